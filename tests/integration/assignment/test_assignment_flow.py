"""A case's way from pre-assignment to formal assignment over HTTP, against the real servers: objections,
negotiation rounds, the chair meeting, deadlines on the Chinese calendar, reassignment, leader-led
handling, who may see what, and bad input that writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from assignment_support import Suite

from shared.auth import Role
from shared.testing.helpers import eventually, token

pytestmark = pytest.mark.asyncio(loop_scope="module")

CST = ZoneInfo("Asia/Shanghai")
E = "assignment.case."


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


async def post(suite: Suite, path: str, headers: dict[str, str], body: Any = None, status: int = 200) -> Any:
    response = await suite.client.post(path, headers=headers, json=body)
    assert response.status_code == status, response.text
    return response.json()


async def test_objection_negotiation_new_unit_accepts_then_formal_assignment_with_deadlines(suite: Suite) -> None:
    congress = suite.new_congress()
    await suite.add_units(congress, "housing", "transport", "police", "urban")
    staff = suite.staff(congress)
    case_id = await suite.register(congress)

    suite.clock.set(at(2026, 4, 29, 10))  # Wednesday before Labour Day
    await post(
        suite, f"/cases/{case_id}/pre-assignment", staff, {"lead_unit_id": "housing", "co_unit_ids": ["transport"]}
    )

    suite.clock.set(at(2026, 4, 30, 9))
    view = await post(
        suite,
        f"/cases/{case_id}/pre-assignment/objection",
        suite.unit(congress, "housing"),
        {"reason": "城区停车设施规划建设由城管部门牵头", "suggested_unit_id": "urban"},
    )
    assert view["mine"]["state"] == "objected"
    await post(suite, f"/cases/{case_id}/pre-assignment/accept", suite.unit(congress, "transport"))

    contested = (await suite.client.get("/cases", params={"status": "contested"}, headers=staff)).json()
    assert [c["id"] for c in contested["data"]] == [case_id]
    assert contested["data"][0]["negotiation_rounds"][0]["objections"][0]["suggested_unit_id"] == "urban"

    suite.clock.set(at(2026, 4, 30, 15))
    await post(
        suite,
        f"/cases/{case_id}/negotiation/meetings",
        staff,
        {
            "held_at": "2026-04-30T14:00:00+08:00",
            "participants": ["住建局", "城管局", "市政府督查室"],
            "minutes": "议定由城管局主办",
        },
    )
    case = await post(
        suite,
        f"/cases/{case_id}/negotiation/decision",
        staff,
        {"lead_unit_id": "urban", "co_unit_ids": ["transport"], "note": "改由城管局主办"},
    )
    units = {u["unit_id"]: u for u in case["units"]}
    assert set(units) == {"urban", "transport"}
    assert units["transport"]["state"] == "accepted"
    # the fresh window: 6, 7, 8 May, Saturday 9 May (a make-up working day), 11 May → closes midnight after 11 May
    assert units["urban"]["state"] == "pending" and units["urban"]["window_closes_at"] == "2026-05-11T16:00:00Z"
    assert case["negotiation_rounds"][0]["decision"]["released"] == ["housing"]

    # housing is off the case: its list no longer shows it, and it can no longer answer
    gone = await suite.client.get("/units/housing/pre-assignments", headers=suite.unit(congress, "housing"))
    assert gone.json()["data"] == []

    suite.clock.set(at(2026, 5, 6, 9))
    await post(suite, f"/cases/{case_id}/pre-assignment/accept", suite.unit(congress, "urban"))
    suite.clock.set(at(2026, 5, 7, 10))
    case = await post(suite, f"/cases/{case_id}/assignment", staff, {})
    assert case["status"] == "assigned"
    deadlines = case["assignment"]["deadlines"]
    assert (deadlines["reply_due_on"], deadlines["co_opinion_due_on"], deadlines["months"]) == (
        "2026-08-07",
        "2026-07-07",
        3,
    )

    async def announced() -> list[str]:
        kinds = [
            e["type"] for e in await suite.tap.events(congress) if e["subject"] == case_id and e["type"].startswith(E)
        ]
        return kinds if f"{E}assigned.v1" in kinds else []

    kinds = await eventually(announced)
    assert kinds == [
        f"{E}pre_assigned.v1",
        f"{E}unit_objected.v1",
        f"{E}unit_accepted.v1",
        f"{E}negotiation_decided.v1",
        f"{E}unit_accepted.v1",
        f"{E}assigned.v1",
    ]
    assigned = (await suite.tap.events(congress, f"{E}assigned.v1"))[0]["data"]
    assert assigned["lead_unit"]["unit_id"] == "urban" and [u["unit_id"] for u in assigned["co_units"]] == ["transport"]
    assert assigned["deadlines"]["reply_due_at"] == "2026-08-07T15:59:59.999000Z"
    assert assigned["lead_deputy"]["name"] == "屠永芳"

    mine = (await suite.client.get("/units/urban/cases", headers=suite.unit(congress, "urban"))).json()
    assert [c["id"] for c in mine["data"]] == [case_id]
    assert mine["data"][0]["assignment"]["deadlines"]["reply_due_on"] == "2026-08-07"
    co = (
        await suite.client.get(
            "/units/transport/cases", params={"role": "co"}, headers=suite.unit(congress, "transport")
        )
    ).json()
    assert [c["id"] for c in co["data"]] == [case_id]

    counts = (await suite.client.get("/statistics/objections", params={"year": 2026}, headers=staff)).json()["data"]
    assert counts[0] == {
        "unit_id": "housing",
        "name": "单位housing",
        "pre_assignments": 1,
        "objections": 1,
        "accepted": 0,
        "deemed_accepted": 0,
    }
    assert {c["unit_id"]: c["accepted"] for c in counts} == {"housing": 0, "transport": 1, "urban": 1}


async def test_after_the_rounds_run_out_the_chair_meeting_decides_for_good(suite: Suite) -> None:
    congress = suite.new_congress()
    await suite.add_units(congress, "a", "b", "c")
    staff = suite.staff(congress)
    settings = (await suite.client.put("/settings", headers=staff, json={"max_negotiation_rounds": 1})).json()
    assert settings["max_negotiation_rounds"] == 1 and settings["objection_window_working_days"] == 5
    case_id = await suite.register(congress)
    suite.clock.set(at(2026, 6, 1, 10))
    await post(suite, f"/cases/{case_id}/pre-assignment", staff, {"lead_unit_id": "a"})
    await post(
        suite,
        f"/cases/{case_id}/pre-assignment/objection",
        suite.unit(congress, "a"),
        {"reason": "不属职责", "suggested_unit_id": "b"},
    )
    await post(suite, f"/cases/{case_id}/negotiation/decision", staff, {"lead_unit_id": "b"})
    await post(suite, f"/cases/{case_id}/pre-assignment/objection", suite.unit(congress, "b"), {"reason": "也不属职责"})
    refused = await suite.client.post(
        f"/cases/{case_id}/negotiation/decision", headers=staff, json={"lead_unit_id": "c"}
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "negotiation.chair_decision_required"
    case = await post(
        suite,
        f"/cases/{case_id}/negotiation/decision",
        staff,
        {
            "lead_unit_id": "b",
            "co_unit_ids": ["c"],
            "chair_meeting": {
                "held_at": "2026-06-02T09:00:00+08:00",
                "participants": ["主任", "副主任"],
                "minutes": "决定由b主办、c协办",
            },
        },
    )
    assert case["final"] and case["status"] == "agreed"
    assert [r["number"] for r in case["negotiation_rounds"]] == [1, 2]
    assert case["negotiation_rounds"][1]["meetings"][0]["kind"] == "chair"
    assert {u["unit_id"]: u["state"] for u in case["units"]} == {"b": "bound", "c": "bound"}
    no_more = await suite.client.post(
        f"/cases/{case_id}/pre-assignment/objection", headers=suite.unit(congress, "c"), json={"reason": "x"}
    )
    assert no_more.status_code == 409 and no_more.json()["error"]["code"] == "pre_assignment.decided"
    decided = await eventually(lambda: suite.tap.events(congress, f"{E}negotiation_decided.v1"))
    await eventually(lambda: _count(suite, congress, f"{E}negotiation_decided.v1", 2))
    decided = await suite.tap.events(congress, f"{E}negotiation_decided.v1")
    assert [(e["data"]["round"], e["data"]["final"]) for e in decided] == [(1, False), (2, True)]


async def _count(suite: Suite, congress: str, kind: str, n: int) -> bool:
    return len(await suite.tap.events(congress, kind)) >= n


async def test_a_unit_cannot_see_or_answer_another_units_pre_assignment(suite: Suite) -> None:
    congress = suite.new_congress()
    await suite.add_units(congress, "a", "b", "c")
    staff = suite.staff(congress)
    case_id = await suite.register(congress)
    suite.clock.set(at(2026, 6, 1, 10))
    await post(suite, f"/cases/{case_id}/pre-assignment", staff, {"lead_unit_id": "a", "co_unit_ids": ["b"]})
    outsider = suite.unit(congress, "c")

    assert (await suite.client.get(f"/cases/{case_id}", headers=outsider)).status_code == 404
    for action, body in (("accept", None), ("objection", {"reason": "我来办"})):
        refused = await suite.client.post(f"/cases/{case_id}/pre-assignment/{action}", headers=outsider, json=body)
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "pre_assignment.not_found"
    assert (await suite.client.get("/units/c/pre-assignments", headers=outsider)).json()["data"] == []
    other_list = await suite.client.get("/units/a/pre-assignments", headers=outsider)
    assert other_list.status_code == 403 and other_list.json()["error"]["code"] == "unit.not_yours"
    # a token naming unit "a" for someone who is not one of its contacts
    impostor = suite.unit(congress, "a", subject="someone-else")
    refused = await suite.client.post(f"/cases/{case_id}/pre-assignment/accept", headers=impostor)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "unit.not_contact"
    # the co-unit sees the case and its own part, not the lead unit's answer
    await post(suite, f"/cases/{case_id}/pre-assignment/objection", suite.unit(congress, "a"), {"reason": "不属职责"})
    seen = (await suite.client.get(f"/cases/{case_id}", headers=suite.unit(congress, "b"))).json()
    assert seen["mine"]["unit_id"] == "b" and "negotiation_rounds" not in seen
    assert "不属职责" not in str(seen)
    # staff of another congress do not find it
    other = suite.staff(suite.new_congress())
    assert (await suite.client.get(f"/cases/{case_id}", headers=other)).status_code == 404
    case = (await suite.client.get(f"/cases/{case_id}", headers=staff)).json()
    assert {u["unit_id"]: u["state"] for u in case["units"]} == {"a": "objected", "b": "pending"}


async def test_reassignment_and_a_leader_taking_the_case(suite: Suite) -> None:
    congress = suite.new_congress()
    await suite.add_units(congress, "a", "b", "c")
    staff = suite.staff(congress)
    case_id = await suite.register(congress)
    suite.clock.set(at(2026, 3, 2, 10))
    await post(
        suite, f"/cases/{case_id}/pre-assignment", staff, {"lead_unit_id": "a", "co_unit_ids": ["b"], "complex": True}
    )
    await post(suite, f"/cases/{case_id}/pre-assignment/accept", suite.unit(congress, "a"))
    await post(suite, f"/cases/{case_id}/pre-assignment/accept", suite.unit(congress, "b"))
    leader = await post(suite, f"/cases/{case_id}/leader", suite.leader(congress), {"title": "副市长"})
    assert leader["leader"]["leader"] == {"id": "leader-1", "name": "张主任", "title": "副市长"}
    suite.clock.set(at(2026, 4, 1, 10))
    case = await post(suite, f"/cases/{case_id}/assignment", staff, {})
    # complex: six months from 1 April is 1 October (National Day) → the first working day after, 8 October
    assert case["assignment"]["deadlines"]["reply_due_on"] == "2026-10-08"
    assert case["assignment"]["deadlines"]["co_opinion_due_on"] == "2026-09-01"

    no_reason = await suite.client.post(
        f"/cases/{case_id}/reassignment",
        headers=staff,
        json={"lead_unit_id": "c", "co_unit_ids": ["b"], "reason": "  "},
    )
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "reassignment.reason_required"
    suite.clock.set(at(2026, 5, 6, 10))
    case = await post(
        suite,
        f"/cases/{case_id}/reassignment",
        staff,
        {"lead_unit_id": "c", "co_unit_ids": ["b"], "reason": "机构改革，职能划转"},
    )
    assert case["assignment"]["lead_unit"]["unit_id"] == "c"
    assert case["assignment"]["deadlines"]["reply_due_on"] == "2026-11-06"  # restarted: six months from 6 May
    assert case["reassignments"][0]["previous_lead_unit"]["unit_id"] == "a"
    events = await eventually(lambda: suite.tap.events(congress, f"{E}reassigned.v1"))
    data = events[0]["data"]
    assert [u["unit_id"] for u in data["released"]] == ["a"] and data["deadlines_restarted"]
    assert (await suite.client.get("/units/a/cases", headers=suite.unit(congress, "a"))).json()["data"] == []
    taken = await eventually(lambda: suite.tap.events(congress, f"{E}leader_assigned.v1"))
    assert taken[0]["data"]["assigned"] is False
    assigned = await eventually(lambda: suite.tap.events(congress, f"{E}assigned.v1"))
    assert assigned[0]["data"]["lead_leader"]["id"] == "leader-1"


async def test_bad_input_gets_a_stable_code_and_writes_nothing(suite: Suite) -> None:
    congress = suite.new_congress()
    await suite.add_units(congress, "a", "b")
    staff = suite.staff(congress)
    case_id = await suite.register(congress)
    before = await suite.db.cases.find_one({"_id": case_id})

    cases = [
        ({"lead_unit_id": "nope"}, 422, "units.unknown"),
        ({"lead_unit_id": "a", "co_unit_ids": ["a"]}, 422, "units.repeated"),
        ({"lead_unit_id": "a", "surprise": 1}, 422, "request.invalid"),
        ({"lead_unit_id": "a b"}, 422, "request.invalid"),
        ({}, 422, "request.invalid"),
    ]
    for body, status, code in cases:
        response = await suite.client.post(f"/cases/{case_id}/pre-assignment", headers=staff, json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    missing = await suite.client.post("/cases/nope/pre-assignment", headers=staff, json={"lead_unit_id": "a"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "case.not_found")
    by_unit = await suite.client.post(
        f"/cases/{case_id}/pre-assignment", headers=suite.unit(congress, "a"), json={"lead_unit_id": "a"}
    )
    assert (by_unit.status_code, by_unit.json()["error"]["code"]) == (403, "auth.role_not_allowed")
    not_agreed = await suite.client.post(f"/cases/{case_id}/assignment", headers=staff, json={})
    assert (not_agreed.status_code, not_agreed.json()["error"]["code"]) == (409, "assignment.not_agreed")
    bad_settings = await suite.client.put(
        "/settings", headers=staff, json={"reply_months": 6, "complex_reply_months": 3}
    )
    assert (bad_settings.status_code, bad_settings.json()["error"]["code"]) == (422, "settings.invalid")
    assert (await suite.client.get("/settings", headers=staff)).json()["reply_months"] == 3

    after = await suite.db.cases.find_one({"_id": case_id})
    assert after == before
    await post(suite, f"/cases/{case_id}/pre-assignment", staff, {"lead_unit_id": "a"})
    empty_reason = await suite.client.post(
        f"/cases/{case_id}/pre-assignment/objection", headers=suite.unit(congress, "a"), json={"reason": " "}
    )
    assert (empty_reason.status_code, empty_reason.json()["error"]["code"]) == (422, "objection.reason_required")
    itself = await suite.client.post(
        f"/cases/{case_id}/pre-assignment/objection",
        headers=suite.unit(congress, "a"),
        json={"reason": "r", "suggested_unit_id": "a"},
    )
    assert (itself.status_code, itself.json()["error"]["code"]) == (422, "objection.suggests_itself")
    case = (await suite.client.get(f"/cases/{case_id}", headers=staff)).json()
    assert case["units"][0]["state"] == "pending" and case["negotiation_rounds"] == []
    no_meeting = await suite.client.post(
        f"/cases/{case_id}/negotiation/meetings",
        headers=staff,
        json={"held_at": "2026-06-01T10:00:00+08:00", "participants": ["x"], "minutes": "m"},
    )
    assert (no_meeting.status_code, no_meeting.json()["error"]["code"]) == (409, "negotiation.not_open")
    events = [
        e["type"] for e in await suite.tap.events(congress) if e["subject"] == case_id and e["type"].startswith(E)
    ]
    assert events in ([], [f"{E}pre_assigned.v1"])


async def test_a_leader_token_alone_cannot_name_another_leader(suite: Suite) -> None:
    congress = suite.new_congress()
    case_id = await suite.register(congress)
    leader = token(suite.settings, "leader-2", Role.LEADER, congress_id=congress)
    refused = await suite.client.post(f"/cases/{case_id}/leader", headers=leader, json={"leader_id": "leader-9"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "leader.self_only")
    staff_alone = await suite.client.post(f"/cases/{case_id}/leader", headers=suite.staff(congress), json={})
    assert (staff_alone.status_code, staff_alone.json()["error"]["code"]) == (422, "leader.required")
