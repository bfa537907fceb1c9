"""集中交办 against the real servers: 500 cases pre-assigned and formally assigned in one request each;
500 assigned events, once each, also when the same batch is sent again."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from assignment_support import Suite

from shared.testing.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

CST = ZoneInfo("Asia/Shanghai")
ASSIGNED = "assignment.case.assigned.v1"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.timeout(300)
async def test_a_batch_of_500_is_assigned_and_announced_once_each(suite: Suite) -> None:
    congress = suite.new_congress()
    units = [f"u{i}" for i in range(10)]
    await suite.add_units(congress, *units)
    staff = suite.staff(congress)
    ids = await suite.register_many(congress, 500)

    suite.clock.set(at(2026, 3, 2, 10))
    items = [
        {"case_id": case_id, "lead_unit_id": units[k % 10], "co_unit_ids": [units[(k + 1) % 10]] if k % 3 == 0 else []}
        for k, case_id in enumerate(ids)
    ]
    response = await suite.client.post("/pre-assignments", headers=staff, json={"items": items})
    assert response.status_code == 200, response.text
    assert (response.json()["done"], response.json()["failed"]) == (500, 0)

    # nobody objects: the windows close on 9 March 2026 (five working days) and the sweep settles them all
    suite.clock.set(at(2026, 3, 10, 0))
    settled = await suite.app.state.sweeper.run_once()
    assert settled == 500
    assert await suite.db.cases.count_documents({"congress_id": congress, "status": "agreed"}) == 500

    suite.clock.set(at(2026, 3, 12, 9))  # the 集中交办 meeting
    complex_ids = ids[:50]
    body = {"case_ids": ids, "complex_case_ids": complex_ids, "batch_id": "2026-spring"}
    response = await suite.client.post("/assignments", headers=staff, json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["done"], result["already"], result["failed"], result["batch_id"]) == (500, 0, 0, "2026-spring")

    async def all_announced() -> list[dict[str, object]]:
        events = await suite.tap.events(congress, ASSIGNED)
        return events if len(events) >= 500 else []

    events = await eventually(all_announced, timeout=120)
    per_case = Counter(e["subject"] for e in events)
    traced = await suite.db.cases.find({"congress_id": congress}, {"trace": 1}).to_list()
    case_traces = {d["_id"]: (d.get("trace") or {}).get("traceparent", "") for d in traced}
    # each case's assigned event continues that case's trace, not one trace for the whole batch
    assert all(e["traceparent"].split("-")[1] == case_traces[e["subject"]].split("-")[1] for e in events[:20])
    assert set(per_case) == set(ids) and set(per_case.values()) == {1}
    due = {e["subject"]: e["data"]["deadlines"]["reply_due_on"] for e in events}
    assert {due[i] for i in complex_ids} == {"2026-09-14"}  # 12 September is a Saturday → Monday 14th
    assert {due[i] for i in ids[50:]} == {"2026-06-12"}

    # the same batch sent again (e.g. after a timeout): nothing assigned twice, nothing announced again
    again = await suite.client.post("/assignments", headers=staff, json=body)
    assert (again.json()["done"], again.json()["already"]) == (0, 500)
    lists = await suite.client.get("/units/u3/cases", headers=suite.unit(congress, "u3"))
    assert lists.json()["count"] == sum(1 for k in range(500) if k % 10 == 3 or (k % 3 == 0 and (k + 1) % 10 == 3))
    await suite.relay_settled(congress)
    assert len(await suite.tap.events(congress, ASSIGNED)) == 500


async def test_a_batch_with_one_bad_case_is_refused_whole(suite: Suite) -> None:
    congress = suite.new_congress()
    await suite.add_units(congress, "a")
    staff = suite.staff(congress)
    ids = await suite.register_many(congress, 3)
    items = [{"case_id": i, "lead_unit_id": "a"} for i in ids] + [{"case_id": "missing", "lead_unit_id": "a"}]
    refused = await suite.client.post("/pre-assignments", headers=staff, json={"items": items})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "batch.refused" and error["details"]["problems"] == [
        {"case_id": "missing", "code": "case.not_found"}
    ]
    assert await suite.db.cases.count_documents({"congress_id": congress, "status": "awaiting_pre_assignment"}) == 3
    not_agreed = await suite.client.post("/assignments", headers=staff, json={"case_ids": ids})
    assert not_agreed.status_code == 422 and not_agreed.json()["error"]["code"] == "batch.refused"
    assert {p["code"] for p in not_agreed.json()["error"]["details"]["problems"]} == {"assignment.not_agreed"}
