"""Unit figures from supervision's events (each event counted once, also when redelivered), the unit assessment
(考核) combining them with staff's scores, the yearly selections with their shares, the published events, stable
error codes with nothing written, and nobody outside the congress seeing any of it. Real servers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from evaluation_support import Suite

from shared.contracts import new_envelope
from shared.contracts.assignment import UnitRef
from shared.contracts.evaluation import CaseRated
from shared.contracts.intake import DeputyRef
from shared.contracts.supervision import CaseClosed, CaseOpened, CaseReplied, ContactLogged, ExtensionDecided
from shared.testing.helpers import eventually
from shared.workdays import end_of_local_day

pytestmark = pytest.mark.asyncio(loop_scope="module")

CST = ZoneInfo("Asia/Shanghai")
SELECTION_PUBLISHED = "evaluation.selection.published.v1"
ASSESSMENT_PUBLISHED = "evaluation.assessment.published.v1"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


# Replies and ratings fall in the days before NOW: the rating windows the replies open stay open (the app's
# clock stands still at NOW), so evaluation's own rating sweep announces no result besides the test's.
NOW = at(2026, 11, 1, 9)
REPLY = at(2026, 10, 26, 9)
OPENED = at(2026, 3, 12, 9)
DUE = date(2026, 6, 12)


def code(response: Any) -> str:
    return str(response.json()["error"]["code"])


# --- supervision's events, as supervision publishes them ---------------------------------------------


def facts(congress: str, case_id: str, unit: str, due: date = DUE) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "congress_id": congress,
        "number": f"15-2-{uuid.uuid4().int % 10000:04d}",
        "title": "关于加强城区停车设施建设的建议",
        "field": "城乡建设",
        "lead_deputy": DeputyRef(id="d1", name="屠永芳"),
        "co_signers": [],
        "lead_unit": UnitRef(unit_id=unit, name=f"单位{unit}", role="lead"),
        "reply_due_on": due,
        "reply_due_at": end_of_local_day(due),
    }


def envelope(data: Any, time: datetime, source: str = "supervision") -> Any:
    return new_envelope(
        data,
        source=f"/congress/{data.congress_id}/{source}",
        subject=data.case_id,
        congress_id=data.congress_id,
        time=time,
    )


def opened(congress: str, case_id: str, unit: str, *, time: datetime = OPENED, due: date = DUE) -> Any:
    data = CaseOpened(**facts(congress, case_id, unit, due), sign_due_at=time + timedelta(days=3))
    return envelope(data, time)


def contact(congress: str, case_id: str, unit: str, *, time: datetime) -> Any:
    data = ContactLogged(
        **facts(congress, case_id, unit),
        unit=UnitRef(unit_id=unit, name=f"单位{unit}"),
        stage="on_receipt",
        method="phone",
        held_at=time,
        logged_by="h1",
    )
    return envelope(data, time)


def replied(
    congress: str,
    case_id: str,
    unit: str,
    *,
    time: datetime,
    on_time: bool = True,
    round_: int = 1,
    second: bool = False,
) -> Any:
    data = CaseReplied(
        **facts(congress, case_id, unit),
        round=round_,
        category="A",
        public=True,
        submitted_at=time,
        replied_at=time,
        on_time=on_time,
        second_reply=second,
    )
    return envelope(data, time)


def rated(congress: str, case_id: str, result: str, *, time: datetime, round_: int = 1) -> Any:
    data = CaseRated(case_id=case_id, congress_id=congress, round=round_, result=result, rated_at=time)  # type: ignore[arg-type]
    return envelope(data, time, source="evaluation")


def closed(congress: str, case_id: str, unit: str, reason: str, *, time: datetime) -> Any:
    data = CaseClosed(
        **facts(congress, case_id, unit),
        reason=reason,  # type: ignore[arg-type]
        category="A" if reason != "cancelled" else None,
        open_commitments=0,
        closed_at=time,
    )
    return envelope(data, time)


def extended(congress: str, case_id: str, unit: str, *, due: date, time: datetime) -> Any:
    data = ExtensionDecided(
        **facts(congress, case_id, unit, due),
        extension_id="x1",
        approved=True,
        previous_due_on=DUE,
        decided_at=time,
        decided_by="staff-1",
    )
    return envelope(data, time)


async def applied(suite: Suite, congress: str, count: int) -> None:
    """Wait until the congress's case documents hold `count` applied events in all."""

    async def enough() -> bool:
        docs = await suite.db.unit_cases.find({"congress_id": congress}).to_list()
        return sum(len(d.get("applied_events", [])) for d in docs) >= count

    await eventually(enough, timeout=30)


async def figures(suite: Suite, congress: str, unit: str, year: int = 2026, *, headers: Any = None) -> Any:
    return await suite.client.get(
        f"/units/{unit}/figures", params={"year": year}, headers=headers or suite.staff(congress)
    )


async def two_units(suite: Suite, congress: str) -> None:
    """Unit `jianshe`: 4 cases, all replied (3 on time), all contacted, rated 3 satisfied + 1 unsatisfied.
    Unit `jiaotong`: 2 cases, one replied on time and rated basically satisfied, the other overdue, 1 contacted."""
    events: list[Any] = []
    for n in range(4):
        case_id = f"j{n}-{congress}"
        t = OPENED + timedelta(days=n)
        events += [
            opened(congress, case_id, "jianshe", time=t),
            contact(congress, case_id, "jianshe", time=t + timedelta(days=5)),
            replied(congress, case_id, "jianshe", time=REPLY + timedelta(hours=n), on_time=n != 3),
            rated(congress, case_id, "unsatisfied" if n == 3 else "satisfied", time=REPLY + timedelta(days=1, hours=n)),
        ]
    events += [
        opened(congress, f"t0-{congress}", "jiaotong"),
        contact(congress, f"t0-{congress}", "jiaotong", time=OPENED + timedelta(days=3)),
        replied(congress, f"t0-{congress}", "jiaotong", time=REPLY),
        rated(congress, f"t0-{congress}", "basically_satisfied", time=REPLY + timedelta(days=2)),
        opened(congress, f"t1-{congress}", "jiaotong"),
    ]
    await suite.publish(*events)
    await applied(suite, congress, len(events))


# --- unit figures --------------------------------------------------------------------------------------


async def test_figures_per_unit_come_from_the_events_each_counted_once(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    a1, a2, a3, a4, a5, b1 = (f"{x}-{congress}" for x in ("a1", "a2", "a3", "a4", "a5", "b1"))
    first_contact = contact(congress, a1, "urban", time=OPENED + timedelta(days=2))
    a1_rated = rated(congress, a1, "satisfied", time=at(2026, 10, 28, 9))
    events = [
        opened(congress, a1, "urban"),
        first_contact,
        first_contact,  # redelivered
        contact(congress, a1, "urban", time=OPENED + timedelta(days=30)),
        replied(congress, a1, "urban", time=at(2026, 10, 26, 9)),
        a1_rated,
        a1_rated,  # redelivered
        closed(congress, a1, "urban", "satisfied", time=at(2026, 10, 28, 10)),
        opened(congress, a2, "urban"),
        replied(congress, a2, "urban", time=at(2026, 10, 22, 9), on_time=False),
        rated(congress, a2, "unsatisfied", time=at(2026, 10, 23, 9)),
        replied(congress, a2, "urban", time=at(2026, 10, 27, 9), round_=2),  # re-handled, on time
        rated(congress, a2, "basically_satisfied", time=at(2026, 10, 29, 9), round_=2),
        opened(congress, a3, "urban"),  # no reply, deadline passed: overdue
        opened(congress, a4, "urban"),
        closed(congress, a4, "urban", "cancelled", time=at(2026, 4, 1, 9)),  # left out
        # reassigned: opened for another unit, the later events name `urban` as lead unit
        opened(congress, a5, "water"),
        extended(congress, a5, "urban", due=date(2026, 12, 31), time=at(2026, 6, 1, 9)),  # not due yet
        # out of order: the reply arrives before the opening
        replied(congress, b1, "water", time=at(2026, 10, 25, 9)),
        opened(congress, b1, "water"),
    ]
    await suite.publish(*events)
    await applied(suite, congress, len(events) - 2 - 1)  # two redeliveries, one facts-only event
    await eventually(lambda: _led_by(suite, a5, "urban"))

    response = await figures(suite, congress, "urban")
    assert response.status_code == 200, response.text
    body = response.json()
    counts = {k: body[k] for k in ("cases", "replied", "due", "on_time", "overdue", "closed", "contacted")}
    assert counts == {"cases": 4, "replied": 2, "due": 3, "on_time": 1, "overdue": 1, "closed": 1, "contacted": 1}
    results = {k: body[k] for k in ("rated", "satisfied", "basically_satisfied", "unsatisfied")}
    assert results == {"rated": 2, "satisfied": 1, "basically_satisfied": 1, "unsatisfied": 0}
    assert (body["on_time_rate"], body["contact_rate"], body["satisfaction_rate"]) == (0.3333, 0.25, 1.0)
    assert (body["year"], body["unit_name"]) == (2026, "单位urban")
    doc = await suite.db.unit_cases.find_one({"_id": a1})
    assert doc["contacts"] == 2  # two contacts, one of them delivered twice
    water = (await figures(suite, congress, "water")).json()
    assert (water["cases"], water["replied"], water["on_time"]) == (1, 1, 1)

    # the event delivered once more, long after: nothing changes
    await suite.publish(first_contact, a1_rated)
    await suite.publish(contact(congress, b1, "water", time=at(2026, 5, 2, 9)))
    await eventually(lambda: _contacted(suite, b1))
    assert (await suite.db.unit_cases.find_one({"_id": a1}))["contacts"] == 2
    assert (await figures(suite, congress, "urban")).json() == body


async def _led_by(suite: Suite, case_id: str, unit: str) -> bool:
    doc = await suite.db.unit_cases.find_one({"_id": case_id})
    return bool(doc and doc.get("lead_unit_id") == unit)


async def _contacted(suite: Suite, case_id: str) -> bool:
    doc = await suite.db.unit_cases.find_one({"_id": case_id})
    return bool(doc and doc.get("contacts") == 1)


async def test_a_case_counts_in_the_local_year_it_was_opened(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    late_2025 = opened(congress, f"y1-{congress}", "urban", time=datetime(2025, 12, 31, 15, 30, tzinfo=UTC))  # 23:30
    new_year = opened(congress, f"y2-{congress}", "urban", time=datetime(2025, 12, 31, 16, 30, tzinfo=UTC))  # 00:30
    await suite.publish(late_2025, new_year)
    await applied(suite, congress, 2)
    assert (await figures(suite, congress, "urban", 2025)).json()["cases"] == 1
    assert (await figures(suite, congress, "urban", 2026)).json()["cases"] == 1
    missing = await figures(suite, congress, "urban", 2024)
    assert (missing.status_code, code(missing)) == (404, "figures.not_found")


async def test_figures_stay_in_their_congress_and_need_staff_or_a_leader(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress, other = suite.new_congress(), suite.new_congress()
    await suite.publish(opened(congress, f"c1-{congress}", "urban"))
    await applied(suite, congress, 1)
    # another congress's event naming the same case id does not touch this congress's case
    await suite.publish(contact(other, f"c1-{congress}", "urban", time=OPENED + timedelta(days=1)))
    await suite.publish(opened(other, f"c2-{other}", "urban"))
    await applied(suite, other, 1)
    mine = await figures(suite, congress, "urban")
    assert mine.json()["cases"] == 1 and mine.json()["contacted"] == 0

    theirs = await figures(suite, congress, "urban", headers=suite.staff(other))
    assert theirs.json()["cases"] == 1 and theirs.json()["contacted"] == 0  # their own case only
    nobody = suite.new_congress()
    hidden = await figures(suite, congress, "urban", headers=suite.staff(nobody))
    assert (hidden.status_code, code(hidden)) == (404, "figures.not_found")

    assert (await figures(suite, congress, "urban", headers=suite.leader(congress))).status_code == 200
    deputy = await figures(suite, congress, "urban", headers=suite.deputy(congress, "d1"))
    assert (deputy.status_code, code(deputy)) == (403, "auth.role_not_allowed")
    no_year = await suite.client.get("/units/urban/figures", headers=suite.staff(congress))
    assert (no_year.status_code, code(no_year)) == (422, "request.invalid")


# --- unit assessment -----------------------------------------------------------------------------------


def lines_by_unit(body: Any) -> dict[str, Any]:
    return {x["unit_id"]: x for x in body["lines"]}


def parts(line: Any) -> dict[str, Any]:
    return {p["part"]: p for p in line["parts"]}


async def test_the_assessment_combines_the_figures_with_staff_scores_and_is_published_once(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    await two_units(suite, congress)
    staff, leader = suite.staff(congress), suite.leader(congress)

    draft = await suite.client.get("/assessments/2026", headers=leader)
    assert draft.status_code == 200, draft.text
    body = draft.json()
    assert (body["state"], body["revision"], body["count"]) == ("draft", 0, 2)
    jianshe = lines_by_unit(body)["jianshe"]
    assert {p: v["value"] for p, v in parts(jianshe).items()} == {
        "rules": None,
        "staffing": None,
        "contact": 20.0,  # 20 × 4/4 contacted
        "reply_standard": 15.0,  # 20 × 3/4 on time
        "results": 30.0,  # 40 × 3/4 satisfied
    }
    assert (jianshe["complete"], jianshe["rank"], jianshe["figures"]["cases"]) == (False, None, 4)
    assert await suite.db.assessments.count_documents({"congress_id": congress}) == 0  # reading writes nothing

    incomplete = await suite.client.post("/assessments/2026/publish", headers=staff)
    assert (incomplete.status_code, code(incomplete)) == (409, "assessment.incomplete")
    assert incomplete.json()["error"]["details"]["units"] == ["jianshe", "jiaotong"]

    scored = await suite.client.put(
        "/assessments/2026/units/jianshe", headers=staff, json={"scores": {"rules": 9, "staffing": 8.5}}
    )
    assert scored.status_code == 200, scored.text
    assert (scored.json()["total"], scored.json()["grade"], scored.json()["rank"]) == (82.5, "good", 1)

    # the overdue case leaves `jiaotong` no on-time figure to speak of: staff override it, with a note
    unexplained = await suite.client.put(
        "/assessments/2026/units/jiaotong",
        headers=staff,
        json={"scores": {"rules": 10, "staffing": 10, "reply_standard": 18}},
    )
    assert (unexplained.status_code, code(unexplained)) == (422, "assessment.override_note_required")
    over = await suite.client.put("/assessments/2026/units/jiaotong", headers=staff, json={"scores": {"rules": 11}})
    assert (over.status_code, code(over)) == (422, "assessment.score_out_of_range")
    extra = await suite.client.put(
        "/assessments/2026/units/jiaotong", headers=staff, json={"scores": {"rules": 1, "culture": 3}}
    )
    assert (extra.status_code, code(extra)) == (422, "request.invalid")
    by_leader = await suite.client.put("/assessments/2026/units/jiaotong", headers=leader, json={})
    assert (by_leader.status_code, code(by_leader)) == (403, "auth.role_not_allowed")
    stored = await suite.db.assessments.find_one({"_id": f"{congress}:2026"})
    assert stored["revision"] == 1 and [u["unit_id"] for u in stored["units"]] == ["jianshe"]

    ok = await suite.client.put(
        "/assessments/2026/units/jiaotong",
        headers=staff,
        json={
            "scores": {"rules": 10, "staffing": 10, "reply_standard": 18},
            "notes": {"reply_standard": "逾期件已申请延期，经核实情况属实"},
            "label": "市交通运输局",
        },
    )
    assert ok.status_code == 200, ok.text
    line = ok.json()
    assert parts(line)["reply_standard"]["source"] == "staff" and parts(line)["reply_standard"]["figure"] == 10.0
    # contact 20 × 1/2 = 10, results 40 × 1/1 = 40
    assert (line["label"], line["total"], line["rank"], line["grade"]) == ("市交通运输局", 88.0, 1, "good")

    published = await suite.client.post("/assessments/2026/publish", headers=staff)
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["state"] == "published" and [(x["unit_id"], x["rank"]) for x in body["lines"]] == [
        ("jiaotong", 1),
        ("jianshe", 2),
    ]
    [event] = await eventually(lambda: suite.tap.events(congress, ASSESSMENT_PUBLISHED), timeout=30)
    assert event["subject"] == "assessment:2026"
    assert [(x["unit_id"], x["rank"], x["total"], x["grade"]) for x in event["data"]["lines"]] == [
        ("jiaotong", 1, 88.0, "good"),
        ("jianshe", 2, 82.5, "good"),
    ]
    assert event["data"]["maxima"] == {"rules": 10, "staffing": 10, "contact": 20, "reply_standard": 20, "results": 40}

    # frozen: later events do not move it, publishing again announces nothing, scores are refused
    await suite.publish(rated(congress, f"j3-{congress}", "satisfied", time=at(2026, 10, 30, 9), round_=2))
    await applied(suite, congress, 4 * 4 + 5 + 1)
    again = await suite.client.post("/assessments/2026/publish", headers=staff)
    assert again.status_code == 200 and again.json()["lines"] == body["lines"]
    late = await suite.client.put("/assessments/2026/units/jianshe", headers=staff, json={"scores": {"rules": 10}})
    assert (late.status_code, code(late)) == (409, "assessment.published")
    maxima = await suite.client.put("/assessments/2026", headers=staff, json={"rules": 20})
    assert (maxima.status_code, code(maxima)) == (409, "assessment.published")
    await suite.relay_settled("assessments")
    assert len(await suite.tap.events(congress, ASSESSMENT_PUBLISHED)) == 1

    # another congress sees its own (empty) assessment of the year, not this one
    other = await suite.client.get("/assessments/2026", headers=suite.staff(suite.new_congress()))
    assert other.json()["count"] == 0 and other.json()["state"] == "draft"


async def test_maxima_are_set_per_assessment(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    await two_units(suite, congress)
    staff = suite.staff(congress)
    await suite.client.put("/assessments/2026/units/jianshe", headers=staff, json={"scores": {"rules": 9}})

    too_low = await suite.client.put("/assessments/2026", headers=staff, json={"rules": 5})
    assert (too_low.status_code, code(too_low)) == (409, "assessment.score_above_max")
    invalid = await suite.client.put("/assessments/2026", headers=staff, json={"results": -1})
    assert (invalid.status_code, code(invalid)) == (422, "assessment.maxima_invalid")
    assert (await suite.db.assessments.find_one({"_id": f"{congress}:2026"}))["maxima"]["rules"] == 10

    response = await suite.client.put(
        "/assessments/2026", headers=staff, json={"rules": 15, "staffing": 15, "results": 30}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["maxima"] == {"rules": 15, "staffing": 15, "contact": 20, "reply_standard": 20, "results": 30}
    assert parts(lines_by_unit(body)["jianshe"])["results"]["value"] == 22.5  # 30 × 3/4
    bad_year = await suite.client.get("/assessments/1800", headers=staff)
    assert (bad_year.status_code, code(bad_year)) == (422, "request.invalid")


# --- selections ----------------------------------------------------------------------------------------


def listing(n: int = 20, population: int | None = 100, kind: str = "excellent_suggestions") -> dict[str, Any]:
    return {
        "kind": kind,
        "year": 2026,
        "population": population,
        "candidates": [{"id": f"s{i:03d}", "label": f"建议{i}", "score": 100 - i, "note": ""} for i in range(n)],
    }


async def test_a_selection_warns_about_its_share_and_is_published_once(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    staff = suite.staff(congress)

    created = await suite.client.post("/selections", headers=staff, json=listing())
    assert created.status_code == 201, created.text
    s = created.json()
    assert (s["state"], s["candidate_count"], s["population"], s["usual_share"], s["warnings"]) == (
        "draft",
        20,
        100,
        0.1,
        [],
    )
    again = await suite.client.post("/selections", headers=staff, json=listing())
    assert (again.status_code, again.json()["id"]) == (200, s["id"])
    other = await suite.client.post("/selections", headers=staff, json=listing(10))
    assert (other.status_code, code(other)) == (409, "selection.exists")
    assert other.json()["error"]["details"]["id"] == s["id"]

    few = await suite.client.put(f"/selections/{s['id']}/chosen", headers=staff, json={"ids": ["s000", "s001"]})
    assert few.status_code == 200, few.text
    assert (few.json()["share"], [w["code"] for w in few.json()["warnings"]]) == (0.02, ["selection.share_low"])
    skipped = await suite.client.put(
        f"/selections/{s['id']}/chosen", headers=staff, json={"ids": [f"s{i:03d}" for i in range(1, 11)]}
    )
    [warning] = skipped.json()["warnings"]
    assert warning["code"] == "selection.higher_score_passed_over" and warning["details"]["ids"] == ["s000"]
    usual = await suite.client.put(
        f"/selections/{s['id']}/chosen", headers=staff, json={"ids": [f"s{i:03d}" for i in range(9, -1, -1)]}
    )
    assert usual.json()["warnings"] == [] and usual.json()["chosen"] == [f"s{i:03d}" for i in range(10)]

    published = await suite.client.post(f"/selections/{s['id']}/publish", headers=staff)
    assert published.status_code == 200, published.text
    assert (published.json()["state"], published.json()["published_by"]) == ("published", "staff-1")
    [event] = await eventually(lambda: suite.tap.events(congress, SELECTION_PUBLISHED), timeout=30)
    assert event["subject"] == f"selection:{s['id']}"
    data = event["data"]
    assert (data["kind"], data["year"], data["share"], data["candidates"], data["population"]) == (
        "excellent_suggestions",
        2026,
        0.1,
        20,
        100,
    )
    assert [c["id"] for c in data["chosen"]] == [f"s{i:03d}" for i in range(10)]

    again = await suite.client.post(f"/selections/{s['id']}/publish", headers=staff)
    assert again.status_code == 200 and again.json()["revision"] == published.json()["revision"]
    changed = await suite.client.put(f"/selections/{s['id']}/chosen", headers=staff, json={"ids": ["s000"]})
    assert (changed.status_code, code(changed)) == (409, "selection.published")
    deleted = await suite.client.delete(f"/selections/{s['id']}", headers=staff)
    assert (deleted.status_code, code(deleted)) == (409, "selection.published")
    await suite.relay_settled("selections")
    assert len(await suite.tap.events(congress, SELECTION_PUBLISHED)) == 1


async def test_selections_refuse_bad_input_with_stable_codes_and_write_nothing(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    staff = suite.staff(congress)
    repeated = listing(3)
    repeated["candidates"][2]["id"] = "s000"
    for body, expected in [
        (repeated, "selection.candidate_repeated"),
        (listing(0), "selection.candidates_required"),
        (listing(20, population=10), "selection.population_invalid"),
        ({**listing(3), "kind": "excellent_units"}, "request.invalid"),
        ({**listing(3), "ballot": "b1"}, "request.invalid"),
    ]:
        response = await suite.client.post("/selections", headers=staff, json=body)
        assert (response.status_code, code(response)) == (422, expected), body
    leader = await suite.client.post("/selections", headers=suite.leader(congress), json=listing())
    assert (leader.status_code, code(leader)) == (403, "auth.role_not_allowed")
    assert await suite.db.selections.count_documents({"congress_id": congress}) == 0

    deputies = await suite.client.post(
        "/selections", headers=staff, json=listing(50, population=500, kind="excellent_deputies")
    )
    sid = deputies.json()["id"]
    unknown = await suite.client.put(f"/selections/{sid}/chosen", headers=staff, json={"ids": ["s001", "d-x"]})
    assert (unknown.status_code, code(unknown)) == (422, "selection.unknown_candidate")
    assert unknown.json()["error"]["details"]["ids"] == ["d-x"]
    empty = await suite.client.post(f"/selections/{sid}/publish", headers=staff)
    assert (empty.status_code, code(empty)) == (409, "selection.nothing_chosen")
    doc = await suite.db.selections.find_one({"_id": sid})
    assert (doc["revision"], doc["chosen"], doc["state"], "outbox_since" in doc) == (1, [], "draft", False)

    # another congress neither sees nor touches it
    outsider = suite.staff(suite.new_congress())
    for response in [
        await suite.client.get(f"/selections/{sid}", headers=outsider),
        await suite.client.put(f"/selections/{sid}/chosen", headers=outsider, json={"ids": ["s001"]}),
        await suite.client.post(f"/selections/{sid}/publish", headers=outsider),
        await suite.client.delete(f"/selections/{sid}", headers=outsider),
    ]:
        assert (response.status_code, code(response)) == (404, "selection.not_found")
    assert (await suite.client.get("/selections", headers=outsider, params={"year": 2026})).json()["count"] == 0

    listed = await suite.client.get("/selections", headers=suite.leader(congress), params={"year": 2026})
    assert [(x["id"], x["kind"], x["candidate_count"]) for x in listed.json()["data"]] == [
        (sid, "excellent_deputies", 50)
    ]
    assert (await suite.client.get("/selections", headers=staff, params={"year": 2025})).json()["count"] == 0

    # a draft may be deleted and listed anew
    assert (await suite.client.delete(f"/selections/{sid}", headers=staff)).status_code == 204
    anew = await suite.client.post("/selections", headers=staff, json=listing(30, kind="excellent_deputies"))
    assert anew.status_code == 201 and anew.json()["id"] != sid
    await suite.relay_settled("selections")
    assert await suite.tap.events(congress, SELECTION_PUBLISHED) == []
