"""Key supervision (重点督办) against the real servers: evaluation's selection plans the cases once each (also
when delivered twice), staff mark cases and set plans, staff and leaders keep the log, the progress shows the
missing months and the ledger's handling, and nobody outside the congress or the case reads it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from supervision_support import Suite

from services.supervision.store.keys import KeyCaseNotInLedger
from shared.contracts import new_envelope
from shared.contracts.evaluation import KeySuggestionsSelected
from shared.testing.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

CST = ZoneInfo("Asia/Shanghai")
PLANNED = "supervision.key_case.planned.v1"
RECORDED = "supervision.key_case.progress_recorded.v1"
ASSIGNED_AT = datetime(2026, 3, 12, 9, tzinfo=CST)
DUE = date(2026, 6, 12)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


SELECTED_AT = at(2026, 3, 20, 10)


def selection(congress: str, *case_ids: str, ballot_id: str | None = "ballot-1") -> Any:
    """The selection as evaluation announces it (not `wrap`: the event is about many cases, its subject the year)."""
    data = KeySuggestionsSelected(
        congress_id=congress, year=2026, case_ids=list(case_ids), ballot_id=ballot_id, selected_at=SELECTED_AT
    )
    return new_envelope(
        data, source=f"/congress/{congress}/evaluation", subject="key-suggestions:2026", congress_id=congress
    )


async def assign(suite: Suite, congress: str, **kwargs: Any) -> str:
    return await suite.assign(congress, assigned_at=ASSIGNED_AT, reply_due_on=DUE, **kwargs)


async def settled(suite: Suite, congress: str) -> None:
    """Every event written for the congress's key cases has left their outbox."""

    async def empty() -> bool:
        query = {"congress_id": congress, "outbox_since": {"$exists": True}}
        return await suite.db.key_cases.count_documents(query) == 0

    await eventually(empty, timeout=60)


async def events(suite: Suite, congress: str, type_: str, count: int) -> list[dict[str, Any]]:
    """Wait for at least `count` events of a type; return them all."""

    async def enough() -> list[dict[str, Any]]:
        seen = await suite.tap.events(congress, type_)
        return seen if len(seen) >= count else []

    return await eventually(enough, timeout=60)


async def selected(suite: Suite, congress: str, n: int = 1) -> list[str]:
    """`n` assigned cases, selected as key suggestions; their ids once planned."""
    ids = [await assign(suite, congress) for _ in range(n)]
    await suite.publish(selection(congress, *ids))

    async def planned() -> bool:
        return await suite.db.key_cases.count_documents({"congress_id": congress}) == n

    await eventually(planned)
    return ids


def code(response: Any) -> str:
    return str(response.json()["error"]["code"])


# --------------------------------------------------------------------------- the selection


async def test_the_selection_plans_each_case_once_even_when_delivered_twice(suite: Suite) -> None:
    suite.clock.set(at(2026, 3, 20, 11))
    congress = suite.new_congress()
    ids = [await assign(suite, congress) for _ in range(3)]
    envelope = selection(congress, *ids)
    await suite.publish(envelope, envelope)  # the same message twice, as a redelivery brings it

    planned = await events(suite, congress, PLANNED, 3)
    assert sorted(e["subject"] for e in planned) == sorted(ids)
    assert {(e["data"]["source"], e["data"]["year"], e["data"]["lead_leader"]) for e in planned} == {
        ("selection", 2026, "")
    }
    docs = await suite.db.key_cases.find({"congress_id": congress}).to_list()
    assert sorted(d["_id"] for d in docs) == sorted(ids)
    assert {(d["source"], d["ballot_id"], d["planned_at"]) for d in docs} == {("selection", "ballot-1", SELECTED_AT)}

    # the selection announced again (another message, one more case): only the new case is planned
    fourth = await assign(suite, congress)
    await suite.publish(selection(congress, *ids, fourth))
    planned = await events(suite, congress, PLANNED, 4)
    await settled(suite, congress)
    planned = await suite.tap.events(congress, PLANNED)
    assert sorted(e["subject"] for e in planned) == sorted([*ids, fourth])
    assert await suite.db.key_cases.count_documents({"congress_id": congress}) == 4


async def test_a_selected_case_not_in_the_ledger_yet_fails_the_message_after_planning_the_others(
    suite: Suite,
) -> None:
    suite.clock.set(at(2026, 3, 20, 11))
    congress = suite.new_congress()
    known = await assign(suite, congress)
    keys = suite.app.state.keys
    late = f"s-late-{congress}"
    with pytest.raises(KeyCaseNotInLedger):
        await keys.on_key_suggestions_selected(selection(congress, known, late))
    assert await suite.db.key_cases.count_documents({"congress_id": congress}) == 1

    await assign(suite, congress, case_id=late)
    await keys.on_key_suggestions_selected(selection(congress, known, late))  # the retry
    assert await suite.db.key_cases.count_documents({"congress_id": congress}) == 2
    planned = await events(suite, congress, PLANNED, 2)
    assert sorted(e["subject"] for e in planned) == sorted([known, late])

    # a case of another congress is not this congress's: it is not planned here
    other = suite.new_congress()
    theirs = await assign(suite, other)
    with pytest.raises(KeyCaseNotInLedger):
        await keys.on_key_suggestions_selected(selection(congress, theirs))
    assert await suite.db.key_cases.count_documents({"_id": theirs}) == 0


# --------------------------------------------------------------------------- staff marking and the plan


async def test_staff_mark_a_case_as_key_with_its_plan(suite: Suite) -> None:
    suite.clock.set(at(2026, 4, 2, 9))
    congress = suite.new_congress()
    case_id = await assign(suite, congress)
    staff = suite.staff(congress)
    body = {"lead_leader": "王副主任", "committee": "城建环保工委"}

    response = await suite.client.post(f"/key-cases/{case_id}", headers=staff, json=body)
    assert response.status_code == 201, response.text
    key = response.json()
    assert (key["source"], key["lead_leader"], key["committee"], key["planned"], key["planned_by"]) == (
        "staff",
        "王副主任",
        "城建环保工委",
        True,
        "staff-1",
    )
    assert key["year"] == 2026 and key["entries"] == []
    assert key["handling"]["status"] == "handling" and key["handling"]["reply_due_on"] == "2026-06-12"
    assert key["progress"]["start_month"] == "2026-04" and key["progress"]["months_missing"] == []

    again = await suite.client.post(f"/key-cases/{case_id}", headers=staff, json=body)
    assert again.status_code == 200 and again.json()["revision"] == key["revision"]
    other = await suite.client.post(f"/key-cases/{case_id}", headers=staff, json={**body, "lead_leader": "李主任"})
    assert (other.status_code, code(other)) == (409, "key.already_key")

    planned = await events(suite, congress, PLANNED, 1)
    await settled(suite, congress)
    assert [(e["subject"], e["data"]["source"], e["data"]["lead_leader"]) for e in planned] == [
        (case_id, "staff", "王副主任")
    ]
    assert len(await suite.tap.events(congress, PLANNED)) == 1


async def test_marking_needs_a_ledger_case_staff_and_a_plan(suite: Suite) -> None:
    suite.clock.set(at(2026, 4, 2, 9))
    congress = suite.new_congress()
    case_id = await assign(suite, congress)
    body = {"lead_leader": "王副主任", "committee": "城建环保工委"}

    missing = await suite.client.post("/key-cases/s-nowhere", headers=suite.staff(congress), json=body)
    assert (missing.status_code, code(missing)) == (404, "case.not_found")
    leader = await suite.client.post(f"/key-cases/{case_id}", headers=suite.leader(congress), json=body)
    assert leader.status_code == 403
    unit = await suite.client.post(f"/key-cases/{case_id}", headers=suite.unit(congress, "lead"), json=body)
    assert unit.status_code == 403
    for bad, expected in [
        ({"lead_leader": " ", "committee": "城建环保工委"}, "key.lead_leader_required"),
        ({"lead_leader": "王副主任", "committee": "委" * 101}, "key.committee_too_long"),
        ({"lead_leader": "王副主任"}, "request.invalid"),
        ({**body, "deadline": "2026-05-01"}, "request.invalid"),
    ]:
        response = await suite.client.post(f"/key-cases/{case_id}", headers=suite.staff(congress), json=bad)
        assert (response.status_code, code(response)) == (422, expected), bad
    assert await suite.db.key_cases.count_documents({"congress_id": congress}) == 0
    assert await suite.tap.events(congress, PLANNED) == []


async def test_staff_set_the_plan_of_a_selected_case(suite: Suite) -> None:
    suite.clock.set(at(2026, 3, 25, 9))
    congress = suite.new_congress()
    (case_id,) = await selected(suite, congress)
    staff = suite.staff(congress)
    body = {"lead_leader": "王副主任", "committee": "城建环保工委"}

    marked = await suite.client.post(f"/key-cases/{case_id}", headers=staff, json=body)
    assert (marked.status_code, code(marked), marked.json()["error"]["details"]) == (
        409,
        "key.already_key",
        {"source": "selection"},
    )
    response = await suite.client.put(f"/key-cases/{case_id}/plan", headers=staff, json=body)
    assert response.status_code == 200, response.text
    key = response.json()
    assert (key["source"], key["planned"], key["lead_leader"], key["changed_by"]) == (
        "selection",
        True,
        "王副主任",
        "staff-1",
    )
    assert key["planned_at"].startswith("2026-03-20T02:00:00")  # still the selection's moment

    same = await suite.client.put(f"/key-cases/{case_id}/plan", headers=staff, json=body)
    assert same.json()["revision"] == key["revision"]
    planned = await events(suite, congress, PLANNED, 2)
    await settled(suite, congress)
    assert [e["data"]["lead_leader"] for e in await suite.tap.events(congress, PLANNED)] == ["", "王副主任"]
    assert len(planned) == 2

    not_key = await assign(suite, congress)
    response = await suite.client.put(f"/key-cases/{not_key}/plan", headers=staff, json=body)
    assert (response.status_code, code(response)) == (404, "key.not_found")
    response = await suite.client.put(f"/key-cases/{case_id}/plan", headers=suite.leader(congress), json=body)
    assert response.status_code == 403


# --------------------------------------------------------------------------- the log and the progress


async def test_entries_and_progress_with_the_missing_months(suite: Suite) -> None:
    suite.clock.set(at(2026, 3, 25, 9))
    congress = suite.new_congress()
    (case_id,) = await selected(suite, congress)
    staff, leader = suite.staff(congress), suite.leader(congress)
    url = f"/key-cases/{case_id}/entries"

    suite.clock.set(at(2026, 3, 30, 16))
    march = {"kind": "dispatch", "month": "2026-03", "progress_percent": 10, "findings": "调度会：已完成选址。"}
    response = await suite.client.post(url, headers=staff, json=march)
    assert response.status_code == 201, response.text

    suite.clock.set(at(2026, 6, 20, 10))  # no dispatch in April; May's recorded in June by the leader
    may = {"kind": "dispatch", "month": "2026-05", "progress_percent": 55, "findings": "新增车位300个。"}
    assert (await suite.client.post(url, headers=leader, json=may)).status_code == 201
    visit = {
        "kind": "visit",
        "held_on": "2026-06-18",
        "participants": ["王副主任", "城建环保工委"],
        "findings": "视察老城区停车场建设现场，进度滞后。",
    }
    response = await suite.client.post(url, headers=staff, json=visit)
    assert response.status_code == 201, response.text

    key = (await suite.client.get(f"/key-cases/{case_id}", headers=leader)).json()
    assert [(e["kind"], e["month"], e["recorded_by"]) for e in key["entries"]] == [
        ("dispatch", "2026-03", "staff-1"),
        ("dispatch", "2026-05", "leader-1"),
        ("visit", "2026-06", "staff-1"),
    ]
    assert key["entries"][2]["held_on"] == "2026-06-18"
    progress = key["progress"]
    assert progress["months_elapsed"] == ["2026-03", "2026-04", "2026-05"]
    assert progress["months_dispatched"] == ["2026-03", "2026-05"]
    assert progress["months_missing"] == ["2026-04"]
    assert (progress["current_month"], progress["current_dispatched"]) == ("2026-06", False)
    assert (progress["latest_percent"], progress["entries"], progress["visits"]) == (55, 3, 1)
    handling = key["handling"]
    assert (handling["status"], handling["reply_due_on"], handling["lead_unit_id"]) == (
        "handling",
        "2026-06-12",
        "lead",
    )
    assert handling["light"] in {"green", "yellow", "red"}

    recorded = await events(suite, congress, RECORDED, 3)
    assert [(e["subject"], e["data"]["kind"], e["data"]["month"], e["data"]["progress_percent"]) for e in recorded] == [
        (case_id, "dispatch", "2026-03", 10),
        (case_id, "dispatch", "2026-05", 55),
        (case_id, "visit", "", None),
    ]


async def test_bad_entries_are_refused_with_their_codes_and_nothing_is_written(suite: Suite) -> None:
    suite.clock.set(at(2026, 3, 25, 9))
    congress = suite.new_congress()
    (case_id,) = await selected(suite, congress)
    staff = suite.staff(congress)
    url = f"/key-cases/{case_id}/entries"
    suite.clock.set(at(2026, 4, 10, 9))
    good = {"kind": "dispatch", "month": "2026-04", "progress_percent": 20, "findings": "调度。"}
    assert (await suite.client.post(url, headers=staff, json=good)).status_code == 201
    before = await suite.db.key_cases.find_one({"_id": case_id})

    for body, status, expected in [
        ({**good, "progress_percent": 30}, 409, "key.dispatch_repeated"),
        ({**good, "month": "2026-05"}, 422, "key.month_in_future"),
        ({**good, "month": "2026-02"}, 422, "key.month_before_plan"),
        ({**good, "month": "2026/03"}, 422, "key.entry_month_invalid"),
        ({**good, "month": ""}, 422, "key.entry_month_required"),
        ({**good, "month": "2026-03", "progress_percent": 150}, 422, "key.progress_invalid"),
        ({**good, "month": "2026-03", "findings": " "}, 422, "key.findings_required"),
        ({"kind": "meeting", "participants": ["a"], "findings": "座谈。"}, 422, "key.entry_date_required"),
        ({"kind": "meeting", "held_on": "2026-04-09", "findings": "座谈。"}, 422, "key.participants_required"),
        (
            {"kind": "meeting", "held_on": "2026-04-11", "participants": ["a"], "findings": "x"},
            422,
            "key.date_in_future",
        ),
        ({"kind": "inspection", "findings": "x"}, 422, "request.invalid"),
        ({**good, "month": "2026-03", "photos": []}, 422, "request.invalid"),
        ({**good, "month": "2026-03", "progress_percent": "half"}, 422, "request.invalid"),
    ]:
        response = await suite.client.post(url, headers=staff, json=body)
        assert (response.status_code, code(response)) == (status, expected), body

    unit = await suite.client.post(url, headers=suite.unit(congress, "lead"), json={**good, "month": "2026-03"})
    assert unit.status_code == 403
    nowhere = await suite.client.post("/key-cases/s-nowhere/entries", headers=staff, json=good)
    assert (nowhere.status_code, code(nowhere)) == (404, "key.not_found")

    after = await suite.db.key_cases.find_one({"_id": case_id})
    assert (after["revision"], after["entries"]) == (before["revision"], before["entries"])
    await events(suite, congress, RECORDED, 1)
    await settled(suite, congress)
    assert len(await suite.tap.events(congress, RECORDED)) == 1


async def test_the_list_shows_each_key_case_with_its_progress(suite: Suite) -> None:
    suite.clock.set(at(2026, 3, 25, 9))
    congress = suite.new_congress()
    ids = await selected(suite, congress, 2)
    staff = suite.staff(congress)
    marked = await assign(suite, congress)
    body = {"lead_leader": "王副主任", "committee": "城建环保工委"}
    assert (await suite.client.post(f"/key-cases/{marked}", headers=staff, json=body)).status_code == 201
    entry = {"kind": "dispatch", "month": "2026-03", "progress_percent": 15, "findings": "调度。"}
    assert (await suite.client.post(f"/key-cases/{ids[0]}/entries", headers=staff, json=entry)).status_code == 201

    suite.clock.set(at(2026, 5, 6, 9))
    response = await suite.client.get("/key-cases", headers=suite.leader(congress), params={"year": 2026})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["count"] == 3
    by_id = {k["case_id"]: k for k in page["data"]}
    assert set(by_id) == {*ids, marked}
    assert "entries" not in by_id[ids[0]]
    assert by_id[ids[0]]["progress"]["months_missing"] == ["2026-04"]
    assert by_id[ids[0]]["progress"]["latest_percent"] == 15
    assert by_id[ids[1]]["progress"]["months_missing"] == ["2026-03", "2026-04"]
    assert by_id[marked]["progress"]["months_missing"] == ["2026-03", "2026-04"]  # marked 25 March
    assert all(k["handling"]["status"] == "handling" for k in page["data"])

    only_staff = await suite.client.get("/key-cases", headers=staff, params={"source": "staff"})
    assert [k["case_id"] for k in only_staff.json()["data"]] == [marked]
    by_leader = await suite.client.get("/key-cases", headers=staff, params={"lead_leader": "王副主任"})
    assert by_leader.json()["count"] == 1
    other_year = await suite.client.get("/key-cases", headers=staff, params={"year": 2025})
    assert other_year.json() == {"data": [], "count": 0}
    paged = await suite.client.get("/key-cases", headers=staff, params={"limit": 2, "skip": 2})
    assert (paged.json()["count"], len(paged.json()["data"])) == (3, 1)
    unit = await suite.client.get("/key-cases", headers=suite.unit(congress, "lead"))
    assert unit.status_code == 403


# --------------------------------------------------------------------------- who may read


async def test_another_congress_cannot_see_or_touch_a_key_case(suite: Suite) -> None:
    suite.clock.set(at(2026, 3, 25, 9))
    congress = suite.new_congress()
    (case_id,) = await selected(suite, congress)
    other = suite.new_congress()
    staff, leader = suite.staff(other), suite.leader(other)

    read = await suite.client.get(f"/key-cases/{case_id}", headers=staff)
    assert (read.status_code, code(read)) == (404, "case.not_found")
    listed = await suite.client.get("/key-cases", headers=leader)
    assert listed.json() == {"data": [], "count": 0}
    body = {"lead_leader": "王副主任", "committee": "城建环保工委"}
    plan = await suite.client.put(f"/key-cases/{case_id}/plan", headers=staff, json=body)
    assert (plan.status_code, code(plan)) == (404, "key.not_found")
    entry = {"kind": "dispatch", "month": "2026-03", "progress_percent": 15, "findings": "调度。"}
    added = await suite.client.post(f"/key-cases/{case_id}/entries", headers=staff, json=entry)
    assert (added.status_code, code(added)) == (404, "key.not_found")
    marked = await suite.client.post(f"/key-cases/{case_id}", headers=staff, json=body)
    assert (marked.status_code, code(marked)) == (404, "case.not_found")
    doc = await suite.db.key_cases.find_one({"_id": case_id})
    assert (doc["congress_id"], doc["lead_leader"], doc["entries"]) == (congress, "", [])


async def test_a_unit_reads_a_key_case_only_when_it_is_on_the_case(suite: Suite) -> None:
    suite.clock.set(at(2026, 3, 25, 9))
    congress = suite.new_congress()
    (case_id,) = await selected(suite, congress)

    for unit_id in ("lead", "co"):
        response = await suite.client.get(f"/key-cases/{case_id}", headers=suite.unit(congress, unit_id))
        assert response.status_code == 200, (unit_id, response.text)
        assert response.json()["case_id"] == case_id
    stranger = await suite.client.get(f"/key-cases/{case_id}", headers=suite.unit(congress, "elsewhere"))
    assert (stranger.status_code, code(stranger)) == (404, "case.not_found")

    plain = await assign(suite, congress)  # on the ledger, not key
    response = await suite.client.get(f"/key-cases/{plain}", headers=suite.unit(congress, "lead"))
    assert (response.status_code, code(response)) == (404, "key.not_found")
