"""Negotiation (协商交办): meetings, decisions by staff, the chair meeting's final decision; objection counts."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Query

from services.assignment.api.deps import Cases, Now, Policies, StaffOrLeader, StaffUser, Units
from services.assignment.api.schemas import CasePublic, DecisionIn, MeetingIn, ObjectionCount, ObjectionCounts
from services.assignment.domain import ChairMeeting, TaskState, decide, record_meeting, settle, unit_set
from shared.workdays import local_date

router = APIRouter(tags=["negotiation"])


@router.post("/cases/{case_id}/negotiation/meetings", summary="Record a negotiation meeting")
async def add_meeting(case_id: str, body: MeetingIn, staff: StaffUser, cases: Cases, now: Now) -> CasePublic:
    """Staff record a meeting of the open round (participants, minutes)."""
    at = now()
    meeting_id = uuid.uuid4().hex
    case = await cases.change(
        staff.congress_id,
        case_id,
        lambda c: record_meeting(
            c,
            meeting_id=meeting_id,
            held_at=body.held_at,
            participants=body.participants,
            minutes=body.minutes,
            by=staff.subject,
            now=at,
        ),
    )
    return CasePublic.of(case)


@router.post("/cases/{case_id}/negotiation/decision", summary="Decide a negotiation round")
async def decide_round(
    case_id: str, body: DecisionIn, staff: StaffUser, cases: Cases, units: Units, policies: Policies, now: Now
) -> CasePublic:
    """The units from now on. Units added or in a new role get a fresh window; an objecting unit kept in
    its role is bound. After the congress's number of rounds only the chair meeting decides
    (`chair_meeting`), and its decision binds every unit."""
    registry = await units.get_many(staff.congress_id, [body.lead_unit_id, *body.co_unit_ids])
    unit_set(body.lead_unit_id, body.co_unit_ids, registry)
    chair = (
        ChairMeeting(
            meeting_id=uuid.uuid4().hex,
            held_at=body.chair_meeting.held_at,
            participants=body.chair_meeting.participants,
            minutes=body.chair_meeting.minutes,
        )
        if body.chair_meeting
        else None
    )
    policy = await policies.get(staff.congress_id)
    at = now()
    case = await cases.change(
        staff.congress_id,
        case_id,
        lambda c: decide(
            c,
            lead_unit_id=body.lead_unit_id,
            co_unit_ids=body.co_unit_ids,
            units=registry,
            note=body.note,
            chair=chair,
            by=staff.subject,
            now=at,
            policy=policy,
        ),
    )
    return CasePublic.of(case)


@router.get("/statistics/objections", summary="Objections per unit")
async def objection_counts(
    staff: StaffOrLeader,
    cases: Cases,
    units: Units,
    now: Now,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> ObjectionCounts:
    """Per unit, over the cases pre-assigned in `year` (Shanghai time; every year when omitted): the cases
    it was asked to take, its objections, and how many it accepted or let its window close on. Units
    never asked are left out; most objections first."""
    at = now()
    asked: Counter[str] = Counter()
    objected: Counter[str] = Counter()
    accepted: Counter[str] = Counter()
    deemed: Counter[str] = Counter()
    names: dict[str, str] = {}
    for case in await cases.pre_assigned(staff.congress_id):
        if case.pre_assigned_at is None or (year is not None and local_date(case.pre_assigned_at).year != year):
            continue
        case = settle(case, at)
        on_case: set[str] = set()
        for r in case.rounds:
            for o in r.objections:
                objected[o.unit_id] += 1
                names.setdefault(o.unit_id, o.name)
                on_case.add(o.unit_id)
            if r.decision:
                on_case.update(r.decision.released)
        for t in case.tasks:
            names.setdefault(t.unit_id, t.name)
            on_case.add(t.unit_id)
            if t.state is TaskState.ACCEPTED:
                accepted[t.unit_id] += 1
            elif t.state is TaskState.DEEMED_ACCEPTED:
                deemed[t.unit_id] += 1
        asked.update(on_case)
    registry = await units.get_many(staff.congress_id, names)
    data = [
        ObjectionCount(
            unit_id=u,
            name=registry[u].name if u in registry else names.get(u, u),
            pre_assignments=asked[u],
            objections=objected[u],
            accepted=accepted[u],
            deemed_accepted=deemed[u],
        )
        for u in sorted(asked, key=lambda u: (-objected[u], u))
    ]
    return ObjectionCounts(year=year, data=data)
