"""Handling and supervision against the real servers: the ledger from assignment's events, the units' work,
review, ratings and re-handling, lights and reminders through the sweep, B commitments, who sees what."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from supervision_support import Suite, assigned_event, wrap

from shared.contracts.assignment import CaseCancelled, CaseReassigned, Deadlines, UnitRef
from shared.contracts.intake import DeputyRef
from shared.testing.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

CST = ZoneInfo("Asia/Shanghai")
S = "supervision.case."


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


async def post(suite: Suite, path: str, headers: dict[str, str], body: Any = None, status: int = 200) -> Any:
    response = await suite.client.post(path, headers=headers, json=body)
    assert response.status_code == status, response.text
    return response.json()


CONTACT = {
    "stage": "on_receipt",
    "method": "face_to_face",
    "held_at": "2026-07-01T09:00:00+08:00",
    "deputy_said": "希望尽快增加停车位",
}
REPLY_A = {
    "category": "A",
    "text": "我局已在城关片区新建立体停车场三处，新增泊位1200个。",
    "signed_off_by": "王局长",
    "public": True,
    "public_text": "已新建立体停车场三处，新增泊位1200个。",
}


async def test_a_case_from_assignment_to_reply_rating_rehandling_and_closing(suite: Suite) -> None:
    congress = suite.new_congress()
    suite.clock.set(at(2026, 7, 1, 10))
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    case_id = await suite.assign(
        congress,
        assigned_at=at(2026, 7, 1, 10),
        reply_due_on=date(2026, 10, 8),
        traceparent=f"00-{trace_id}-00f067aa0ba902b7-01",
    )
    lead, co, staff = suite.unit(congress, "lead"), suite.unit(congress, "co"), suite.staff(congress)

    await post(suite, f"/cases/{case_id}/sign", lead)
    await post(suite, f"/cases/{case_id}/sign", co)
    refused = await suite.client.post(f"/cases/{case_id}/reply", headers=lead, json=REPLY_A)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "reply.no_contact")
    suite.clock.set(at(2026, 7, 3, 11))
    await post(suite, f"/cases/{case_id}/contacts", lead, CONTACT)
    await post(suite, f"/cases/{case_id}/co-opinion", co, {"text": "交警部门同意配合施划夜间限时停车泊位。"})
    suite.clock.set(at(2026, 8, 1, 10))
    case = await post(suite, f"/cases/{case_id}/reply", lead, REPLY_A)
    assert case["status"] == "reply_review"
    case = await post(
        suite,
        f"/cases/{case_id}/review",
        staff,
        {"accept": False, "reasons": ["measures_mismatch"], "note": "措施与问题不对应"},
    )
    assert case["status"] == "handling" and case["replies"][0]["state"] == "sent_back"
    suite.clock.set(at(2026, 8, 3, 10))
    await post(
        suite, f"/cases/{case_id}/reply", lead, {**REPLY_A, "text": REPLY_A["text"] + "并推动机关停车场错时共享。"}
    )
    case = await post(suite, f"/cases/{case_id}/review", staff, {"accept": True})
    assert case["status"] == "replied"

    replied = await eventually(lambda: suite.tap.events(congress, f"{S}replied.v1"))
    assert replied[0]["data"]["on_time"] and replied[0]["data"]["category"] == "A"
    assert replied[0]["traceparent"].split("-")[1] == trace_id  # the case's own trace

    suite.clock.set(at(2026, 8, 20, 10))
    await suite.rate(congress, case_id, "unsatisfied")

    async def reopened() -> dict[str, Any] | None:
        c = (await suite.client.get(f"/cases/{case_id}", headers=staff)).json()
        return c if c["round"] == 2 else None

    case = await eventually(reopened)
    assert case["status"] == "handling" and case["reply_due_on"] == "2026-09-20"
    # a new round needs a new contact with the deputy
    again = await suite.client.post(f"/cases/{case_id}/reply", headers=lead, json=REPLY_A)
    assert again.json()["error"]["code"] == "reply.no_contact"
    suite.clock.set(at(2026, 8, 26, 10))
    await post(
        suite,
        f"/cases/{case_id}/contacts",
        lead,
        {**CONTACT, "stage": "at_reply", "held_at": "2026-08-25T09:00:00+08:00"},
    )
    suite.clock.set(at(2026, 9, 1, 10))
    await post(suite, f"/cases/{case_id}/reply", lead, REPLY_A)
    await post(suite, f"/cases/{case_id}/review", staff, {"accept": True})
    await suite.rate(congress, case_id, "satisfied", round_=2)

    async def closed() -> dict[str, Any] | None:
        c = (await suite.client.get(f"/cases/{case_id}", headers=staff)).json()
        return c if c["status"] == "closed" else None

    case = await eventually(closed)
    assert case["close_reason"] == "satisfied"
    await suite.relay_settled(congress)
    kinds = [e["type"].removeprefix(S) for e in await suite.tap.events(congress) if e["type"].startswith(S)]
    assert kinds[:2] == ["opened.v1", "signed.v1"] and kinds[-1] == "closed.v1"
    assert kinds.count("replied.v1") == 2 and kinds.count("reply_sent_back.v1") == 1
    assert kinds.count("rehandling_started.v1") == 1


async def test_lights_turn_yellow_then_red_across_national_day_and_reminders_go_once(suite: Suite) -> None:
    congress = suite.new_congress()
    suite.clock.set(at(2026, 7, 1, 10))
    case_id = await suite.assign(congress, assigned_at=at(2026, 7, 1, 10), reply_due_on=date(2026, 10, 8))
    staff = suite.staff(congress)
    sweeper = suite.app.state.sweeper

    async def light() -> str:
        return str((await suite.client.get(f"/cases/{case_id}", headers=staff)).json()["light"])

    suite.clock.set(at(2026, 9, 22, 23, 59))
    await sweeper.run_once()
    assert await light() == "green"
    suite.clock.set(at(2026, 9, 23, 0))
    await sweeper.run_once()
    assert await light() == "yellow"
    assert [c["id"] for c in (await suite.client.get("/lists/secretary", headers=staff)).json()["data"]] == [case_id]
    for moment in (at(2026, 9, 23, 9), at(2026, 9, 30, 9), at(2026, 10, 8, 23, 59)):
        suite.clock.set(moment)
        await sweeper.run_once()
    assert await light() == "yellow"
    suite.clock.set(at(2026, 10, 9, 0))
    await sweeper.run_once()
    assert await light() == "red"
    assert [c["id"] for c in (await suite.client.get("/lists/chair", headers=staff)).json()["data"]] == [case_id]
    units = (await suite.client.get("/lights/units", headers=staff)).json()["data"]
    assert [(u["unit_id"], u["light"], u["red"]) for u in units] == [("co", "red", 1), ("lead", "red", 1)]
    assert (await suite.client.get("/lists/secretary", headers=staff)).json()["data"] == []
    for moment in (at(2026, 10, 9, 9), at(2026, 10, 10, 9), at(2026, 10, 13, 9), at(2026, 10, 13, 10)):
        suite.clock.set(moment)
        await sweeper.run_once()
    await suite.relay_settled(congress)
    lights = [(e["data"]["light"], e["time"]) for e in await suite.tap.events(congress, f"{S}light_changed.v1")]
    assert [light for light, _ in lights] == ["yellow", "red"]
    urged = [(e["data"]["kind"], e["data"]["days_left"]) for e in await suite.tap.events(congress, f"{S}urged.v1")]
    assert urged == [
        ("before_deadline", 15),
        ("before_deadline", 8),
        ("before_deadline", 8),
        ("overdue", -1),
        ("overdue", -5),
    ]


async def test_a_unit_sees_only_its_own_cases(suite: Suite) -> None:
    congress = suite.new_congress()
    mine = await suite.assign(congress, assigned_at=at(2026, 7, 1, 10), reply_due_on=date(2026, 10, 8), lead="a", co=())
    theirs = await suite.assign(
        congress, assigned_at=at(2026, 7, 1, 10), reply_due_on=date(2026, 10, 8), lead="b", co=()
    )
    unit_a = suite.unit(congress, "a")
    listed = (await suite.client.get("/units/a/cases", headers=unit_a)).json()
    assert [c["id"] for c in listed["data"]] == [mine]
    assert (await suite.client.get(f"/cases/{theirs}", headers=unit_a)).status_code == 404
    assert (await suite.client.get("/units/b/cases", headers=unit_a)).json()["error"]["code"] == "unit.not_yours"
    assert (await suite.client.get("/cases", headers=unit_a)).status_code == 403
    refused = await suite.client.post(f"/cases/{theirs}/sign", headers=unit_a)
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "case.not_found")


async def test_bad_input_gets_a_stable_code_and_writes_nothing(suite: Suite) -> None:
    congress = suite.new_congress()
    suite.clock.set(at(2026, 7, 1, 10))
    case_id = await suite.assign(congress, assigned_at=at(2026, 7, 1, 10), reply_due_on=date(2026, 10, 8))
    lead, staff = suite.unit(congress, "lead"), suite.staff(congress)
    await post(suite, f"/cases/{case_id}/contacts", lead, CONTACT)
    await suite.relay_settled(congress)
    before = await suite.db.cases.find_one({"_id": case_id})
    bad: list[tuple[str, dict[str, str], Any, int, str]] = [
        ("reply", lead, {**REPLY_A, "category": "D"}, 422, "request.invalid"),
        ("reply", lead, {**REPLY_A, "category": "B"}, 422, "reply.commitments_required"),
        ("reply", lead, {**REPLY_A, "category": "C"}, 422, "reply.reasons_required"),
        ("reply", lead, {**REPLY_A, "public_text": ""}, 422, "reply.public_text_invalid"),
        ("reply", lead, {**REPLY_A, "surprise": 1}, 422, "request.invalid"),
        ("reply", suite.unit(congress, "co"), REPLY_A, 403, "reply.lead_unit_only"),
        ("contacts", lead, {**CONTACT, "method": "pigeon"}, 422, "request.invalid"),
        ("contacts", lead, {**CONTACT, "deputy_said": " "}, 422, "contact.deputy_said_required"),
        ("contacts", lead, {**CONTACT, "held_at": "2026-12-01T10:00:00+08:00"}, 422, "contact.in_future"),
        ("co-opinion", lead, {"text": "意见"}, 403, "opinion.co_units_only"),
        ("extensions", lead, {"reason": "需要时间", "due_on": "2026-09-01"}, 422, "extension.not_later"),
        ("review", staff, {"accept": True}, 409, "review.nothing_to_review"),
        ("review", staff, {"accept": False}, 422, "review.reasons_required"),
        ("flag", staff, {"level": "poor"}, 422, "flag.note_invalid"),
        ("urgings", staff, {"note": ""}, 422, "urging.note_required"),
        ("reply", staff, REPLY_A, 403, "auth.role_not_allowed"),
    ]
    for action, who, body, status, code in bad:
        response = await suite.client.post(f"/cases/{case_id}/{action}", headers=who, json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), (action, body)
    after = await suite.db.cases.find_one({"_id": case_id})
    assert after == before


async def test_b_commitments_owe_a_second_reply_and_stay_on_the_look_back_list(suite: Suite) -> None:
    congress = suite.new_congress()
    suite.clock.set(at(2026, 7, 1, 10))
    case_id = await suite.assign(congress, assigned_at=at(2026, 7, 1, 10), reply_due_on=date(2026, 10, 8))
    lead, staff = suite.unit(congress, "lead"), suite.staff(congress)
    await post(suite, f"/cases/{case_id}/contacts", lead, CONTACT)
    suite.clock.set(at(2026, 8, 1, 10))
    b_reply = {
        **REPLY_A,
        "category": "B",
        "commitments": [
            {"text": "年底前建成城关立体停车场", "due_on": "2026-12-31"},
            {"text": "完成智慧停车平台建设", "due_on": "2026-11-30"},
        ],
    }
    await post(suite, f"/cases/{case_id}/reply", lead, b_reply)
    case = await post(suite, f"/cases/{case_id}/review", staff, {"accept": True})
    assert case["second_reply_due_on"] == "2026-12-31"
    replied = await eventually(lambda: suite.tap.events(congress, f"{S}replied.v1"))
    assert [c["due_on"] for c in replied[0]["data"]["commitments"]] == ["2026-12-31", "2026-11-30"]
    await suite.rate(congress, case_id, "basically_satisfied")

    async def closed() -> bool:
        return (await suite.client.get(f"/cases/{case_id}", headers=staff)).json()["status"] == "closed"

    await eventually(closed)
    ledger = (await suite.client.get("/b-ledger", headers=staff)).json()
    assert [r["commitment"]["due_on"] for r in ledger["data"]] == ["2026-11-30", "2026-12-31"]
    suite.clock.set(at(2027, 1, 5, 10))
    rolled = await post(suite, "/b-ledger/roll-over", staff, {"from_year": 2026})
    assert rolled == {"cases": 1, "items": 2}
    assert (await post(suite, "/b-ledger/roll-over", staff, {"from_year": 2026})) == {"cases": 0, "items": 0}
    ledger = (await suite.client.get("/b-ledger", params={"year": 2027}, headers=staff)).json()
    assert [(r["commitment"]["year"], r["commitment"]["rolled_from"], r["overdue"]) for r in ledger["data"]] == [
        (2027, 2026, True),
        (2027, 2026, True),
    ]
    first = ledger["data"][0]["commitment"]["id"]
    case = await post(
        suite,
        f"/cases/{case_id}/second-reply",
        lead,
        {"text": "平台已上线。", "progress": [{"commitment_id": first, "done": True}]},
    )
    assert not case["became_a"]
    second = ledger["data"][1]["commitment"]["id"]
    case = await post(suite, f"/cases/{case_id}/commitments/{second}/done", staff, {"note": "现场核实已建成"})
    assert case["became_a"]
    assert (await suite.client.get("/b-ledger", headers=staff)).json()["data"] == []


async def test_the_ledger_follows_reassignment_and_cancellation_once_each(suite: Suite) -> None:
    congress = suite.new_congress()
    suite.clock.set(at(2026, 7, 1, 10))
    case_id = await suite.assign(
        congress, assigned_at=at(2026, 7, 1, 10), reply_due_on=date(2026, 10, 8), lead="a", co=("b",)
    )
    await post(suite, f"/cases/{case_id}/sign", suite.unit(congress, "b"))
    due = date(2026, 12, 1)
    deadlines = Deadlines(
        reply_due_on=due,
        reply_due_at=at(2026, 12, 1, 23),
        co_opinion_due_on=date(2026, 11, 2),
        co_opinion_due_at=at(2026, 11, 2, 23),
        months=3,
    )
    common = {
        "case_id": case_id,
        "congress_id": congress,
        "number": "15-2-0100",
        "title": "关于加强城区停车设施建设的建议",
        "field": "城乡建设",
        "lead_deputy": DeputyRef(id="d1", name="屠永芳"),
    }
    moved = wrap(
        CaseReassigned(
            **common,
            lead_unit=UnitRef(unit_id="c", name="单位c", role="lead"),
            co_units=[UnitRef(unit_id="b", name="单位b", role="co")],
            previous_lead_unit=UnitRef(unit_id="a", name="单位a", role="lead"),
            previous_co_units=[UnitRef(unit_id="b", name="单位b", role="co")],
            released=[UnitRef(unit_id="a", name="单位a", role="lead")],
            added=[UnitRef(unit_id="c", name="单位c", role="lead")],
            deadlines=deadlines,
            deadlines_restarted=True,
            reason="职能调整",
            reassigned_at=at(2026, 9, 1, 10),
            reassigned_by="staff-1",
        )
    )
    await suite.publish(moved, moved)

    async def followed() -> dict[str, Any] | None:
        c = (await suite.client.get(f"/cases/{case_id}", headers=suite.staff(congress))).json()
        return c if c["lead_unit"]["unit_id"] == "c" else None

    case = await eventually(followed)
    assert case["reply_due_on"] == "2026-12-01"
    assert case["co_units"][0]["signed_at"] is not None  # b stays, with its sign-for
    assert (await suite.client.get(f"/cases/{case_id}", headers=suite.unit(congress, "a"))).status_code == 404
    cancelled = wrap(
        CaseCancelled(
            **common, reason="merged", merged_into="s-other", units=[], was_assigned=True, cancelled_at=at(2026, 9, 2)
        )
    )
    await suite.publish(cancelled, cancelled)

    async def gone() -> bool:
        c = (await suite.client.get(f"/cases/{case_id}", headers=suite.staff(congress))).json()
        return c["status"] == "cancelled"

    await eventually(gone)
    await suite.relay_settled(congress)
    assert len(await suite.tap.events(congress, f"{S}closed.v1")) == 1
    assert (await suite.client.get("/units/c/cases", headers=suite.unit(congress, "c"))).json()["data"] == []


async def test_a_formal_assignment_delivered_twice_opens_one_case(suite: Suite) -> None:
    congress = suite.new_congress()
    envelope = wrap(assigned_event(congress, "s-twice", assigned_at=at(2026, 7, 1, 10), reply_due_on=date(2026, 10, 8)))
    await suite.publish(envelope, envelope)

    async def opened() -> list[dict[str, Any]]:
        return await suite.tap.events(congress, f"{S}opened.v1")

    await eventually(opened)
    await suite.relay_settled(congress)
    assert len(await opened()) == 1
    assert await suite.db.cases.count_documents({"congress_id": congress}) == 1
