"""Ratings of replies against the real servers: requested from supervision's event, rated and changed by the
deputies, final at the window's close (through the sweep) or when everyone has rated, announced once."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from evaluation_support import Suite, replied_event, wrap

from shared.contracts.intake import DeputyRef
from shared.testing.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

CST = ZoneInfo("Asia/Shanghai")
RATED = "evaluation.case.rated.v1"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


async def test_deputies_rate_and_the_lead_deputys_rating_is_final_at_the_close(suite: Suite) -> None:
    congress = suite.new_congress()
    suite.clock.set(at(2026, 9, 28, 10))
    case_id = await suite.replied(congress, replied_at=at(2026, 9, 28, 10))
    lead, co = suite.deputy(congress, "d1"), suite.deputy(congress, "d2")

    pending = (await suite.client.get("/ratings/pending", headers=lead)).json()
    assert [(p["case_id"], p["window_closes_at"]) for p in pending["data"]] == [(case_id, "2026-10-16T16:00:00Z")]
    requested = await eventually(lambda: suite.tap.events(congress, "evaluation.rating.requested.v1"))
    assert [r["id"] for r in requested[0]["data"]["raters"]] == ["d1", "d2"]

    r = await suite.client.put(f"/cases/{case_id}/ratings/1", headers=lead, json={"rating": "satisfied"})
    assert r.status_code == 200, r.text
    r = await suite.client.put(
        f"/cases/{case_id}/ratings/1", headers=lead, json={"rating": "unsatisfied", "comment": "停车位仍然不足"}
    )
    assert r.json()["mine"]["changes"] == 1
    # a co-signer sees their own rating, not the lead deputy's
    seen = (await suite.client.get(f"/cases/{case_id}/ratings", headers=co)).json()["data"][0]
    assert seen["ratings"] == [] and seen["mine"] is None and seen["result"] is None

    suite.clock.set(at(2026, 10, 16, 23, 59))
    await suite.app.state.rating_sweep.run_once()
    assert await suite.tap.events(congress, RATED) == []
    suite.clock.set(at(2026, 10, 17, 0))
    suite.app.state.rating_sweep.wake()
    rated = await eventually(lambda: suite.tap.events(congress, RATED))
    assert [(e["data"]["result"], e["data"]["round"], e["data"]["comment"]) for e in rated] == [
        ("unsatisfied", 1, "停车位仍然不足")
    ]
    late = await suite.client.put(f"/cases/{case_id}/ratings/1", headers=co, json={"rating": "satisfied"})
    assert (late.status_code, late.json()["error"]["code"]) == (409, "rating.window_closed")
    staff_view = (await suite.client.get(f"/cases/{case_id}/ratings", headers=suite.staff(congress))).json()["data"][0]
    assert staff_view["result"] == "unsatisfied" and len(staff_view["ratings"]) == 1
    await suite.app.state.rating_sweep.run_once()
    await suite.relay_settled()
    assert len(await suite.tap.events(congress, RATED)) == 1


async def test_when_everyone_has_rated_the_result_is_final_at_once(suite: Suite) -> None:
    congress = suite.new_congress()
    suite.clock.set(at(2026, 9, 28, 10))
    case_id = await suite.replied(congress, replied_at=at(2026, 9, 28, 10), co_signers=[])
    r = await suite.client.put(
        f"/cases/{case_id}/ratings/1", headers=suite.deputy(congress, "d1"), json={"rating": "basically_satisfied"}
    )
    assert r.json()["result"] == "basically_satisfied" and not r.json()["open"]
    rated = await eventually(lambda: suite.tap.events(congress, RATED))
    assert rated[0]["data"]["result"] == "basically_satisfied"


async def test_a_reply_delivered_twice_asks_once_and_strangers_cannot_rate(suite: Suite) -> None:
    congress = suite.new_congress()
    suite.clock.set(at(2026, 9, 28, 10))
    envelope = wrap(
        replied_event(congress, "s-twice", replied_at=at(2026, 9, 28, 10), lead=DeputyRef(id="d1", name="屠永芳"))
    )
    await suite.publish(envelope, envelope)
    await eventually(lambda: suite.tap.events(congress, "evaluation.rating.requested.v1"))
    await suite.relay_settled()
    assert len(await suite.tap.events(congress, "evaluation.rating.requested.v1")) == 1
    assert await suite.db.ratings.count_documents({"case_id": "s-twice"}) == 1
    stranger = await suite.client.put(
        "/cases/s-twice/ratings/1", headers=suite.deputy(congress, "d9"), json={"rating": "satisfied"}
    )
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (403, "rating.not_a_rater")
    bad = await suite.client.put(
        "/cases/s-twice/ratings/1", headers=suite.deputy(congress, "d1"), json={"rating": "great"}
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "request.invalid")
    no_reason = await suite.client.put(
        "/cases/s-twice/ratings/1", headers=suite.deputy(congress, "d1"), json={"rating": "unsatisfied"}
    )
    assert (no_reason.status_code, no_reason.json()["error"]["code"]) == (422, "rating.comment_required")
    other = await suite.client.put(
        "/cases/s-twice/ratings/1", headers=suite.deputy(suite.new_congress(), "d1"), json={"rating": "satisfied"}
    )
    assert (other.status_code, other.json()["error"]["code"]) == (404, "rating.not_found")
    doc = await suite.db.ratings.find_one({"case_id": "s-twice"})
    assert doc["ratings"] == []
