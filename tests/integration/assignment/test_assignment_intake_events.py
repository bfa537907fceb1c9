"""What assignment does with intake's events, over the real broker: registered (once, even redelivered),
merged, passed up and withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from assignment_support import Suite, registered_event, wrap

from shared.contracts.intake import DeputyRef, SuggestionPassedUp, SuggestionsMerged, SuggestionWithdrawn
from shared.testing.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")
CANCELLED = "assignment.case.cancelled.v1"


def facts(congress: str, suggestion_id: str) -> dict[str, object]:
    return {
        "suggestion_id": suggestion_id,
        "congress_id": congress,
        "session": "15-2",
        "title": "关于加强城区停车设施建设的建议",
        "field": "城乡建设",
        "kind": "session",
        "origin": "deputy",
        "lead_deputy": DeputyRef(id="d1", name="屠永芳"),
    }


async def test_a_registration_delivered_twice_makes_one_case(suite: Suite) -> None:
    congress = suite.new_congress()
    envelope = wrap(registered_event(congress, "s-twice", body="正文：建议建设立体停车设施。"))
    await suite.publish(envelope, envelope)
    await eventually(lambda: suite._case_exists(congress, "s-twice"))
    case = (await suite.client.get("/cases/s-twice", headers=suite.staff(congress))).json()
    assert case["status"] == "awaiting_pre_assignment" and case["co_signers"][0]["name"] == "李明"
    stored = await suite.db.cases.find_one({"_id": "s-twice"})
    assert stored["body"] == "正文：建议建设立体停车设施。" and stored["applied_events"] == [envelope.id]


async def test_a_merged_case_stops_here_and_its_units_are_told(suite: Suite) -> None:
    congress = suite.new_congress()
    await suite.add_units(congress, "a")
    primary = await suite.register(congress)
    other = await suite.register(congress)
    untouched = await suite.register(congress)
    response = await suite.client.post(
        f"/cases/{other}/pre-assignment", headers=suite.staff(congress), json={"lead_unit_id": "a"}
    )
    assert response.status_code == 200
    merged = wrap(
        SuggestionsMerged(
            **facts(congress, primary),
            number="15-2-0001",
            merged=[primary, other, untouched],
            merged_numbers=["15-2-0001", "15-2-0002", "15-2-0003"],
            authors=[DeputyRef(id="d1")],
            merged_at=datetime.now(UTC),
            merged_by="staff-1",
        )
    )
    await suite.publish(merged, merged)  # delivered twice

    async def stopped() -> bool:
        case = (await suite.client.get(f"/cases/{other}", headers=suite.staff(congress))).json()
        return case["status"] == "merged"

    await eventually(stopped)
    await eventually(lambda: _merged_into(suite, congress, untouched, primary))

    async def listed() -> dict[str, object] | None:
        head = (await suite.client.get(f"/cases/{primary}", headers=suite.staff(congress))).json()
        return head if head["merged_from"] else None  # the primary is written after the others

    head = await eventually(listed)
    assert head["status"] == "awaiting_pre_assignment" and sorted(head["merged_from"]) == sorted([other, untouched])
    await suite.relay_settled(congress)
    cancelled = await suite.tap.events(congress, CANCELLED)
    # only the case that had units asked produces a notice, once
    assert [(e["subject"], e["data"]["reason"], e["data"]["merged_into"]) for e in cancelled] == [
        (other, "merged", primary)
    ]
    gone = await suite.client.get("/units/a/pre-assignments", headers=suite.unit(congress, "a"))
    assert gone.json()["data"] == []


async def _merged_into(suite: Suite, congress: str, case_id: str, primary: str) -> bool:
    case = (await suite.client.get(f"/cases/{case_id}", headers=suite.staff(congress))).json()
    return case["status"] == "merged" and case["merged_into"] == primary


async def test_passed_up_and_withdrawn(suite: Suite) -> None:
    congress = suite.new_congress()
    case_id = await suite.register(congress)
    now = datetime.now(UTC)
    await suite.publish(
        wrap(
            SuggestionPassedUp(
                **facts(congress, case_id),
                number="15-2-0009",
                to_congress_id="province",
                body="正文",
                passed_up_at=now,
                passed_up_by="staff-1",
            )
        ),
        # withdrawn before registration: assignment never had it, and makes nothing of it
        wrap(SuggestionWithdrawn(**facts(congress, "s-never"), withdrawn_at=now)),
    )

    async def passed() -> bool:
        case = (await suite.client.get(f"/cases/{case_id}", headers=suite.staff(congress))).json()
        return case["status"] == "passed_up"

    await eventually(passed)
    assert await suite.db.cases.count_documents({"_id": "s-never"}) == 0
    listed = (
        await suite.client.get("/cases", params={"status": "awaiting_pre_assignment"}, headers=suite.staff(congress))
    ).json()
    assert listed["count"] == 0
