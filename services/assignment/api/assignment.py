"""Formal assignment (正式交办, 集中交办), reassignment (改办), leader-led handling (领导领办), a unit's cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Query

from services.assignment.api.deps import (
    Cases,
    Now,
    Policies,
    Reader,
    Routers,
    Settings,
    StaffOrLeader,
    StaffUser,
    Units,
    may_read_unit,
)
from services.assignment.api.schemas import (
    AssignBatch,
    AssignIn,
    BatchResult,
    CasePublic,
    DeadlinesPreview,
    LeaderIn,
    ReassignIn,
    UnitCasesPublic,
    UnitCaseView,
)
from services.assignment.domain import Case, CaseStatus, assign, reassign, settle, take_lead, unit_set
from shared.auth import Role
from shared.contracts.assignment import LeaderRef
from shared.errors import Forbidden, Invalid
from shared.workdays import SHANGHAI, local_date

router = APIRouter(tags=["assignment"])


@router.post("/cases/{case_id}/assignment", summary="Formally assign a case")
async def assign_case(
    case_id: str, body: AssignIn, staff: StaffUser, cases: Cases, policies: Policies, routers: Routers, now: Now
) -> CasePublic:
    """Fix the units every one of which accepted, and the deadlines: reply within 3 months (6 for a complex
    case), co-units' opinion a month earlier (the congress's settings)."""
    policy = await policies.get(staff.congress_id)
    at = now()
    case = await cases.change(
        staff.congress_id,
        case_id,
        lambda c: assign(c, complex_case=body.complex, batch_id=None, by=staff.subject, now=at, policy=policy),
    )
    routers.learn(case)
    return CasePublic.of(case)


@router.post("/assignments", summary="Formally assign many cases (集中交办)")
async def assign_many(
    body: AssignBatch,
    staff: StaffUser,
    cases: Cases,
    policies: Policies,
    routers: Routers,
    settings: Settings,
    now: Now,
) -> BatchResult:
    """Assign up to `batch_max` agreed cases at once, all at the same moment. Every case is checked first;
    any that is unknown or not agreed refuses the whole batch (nothing written). Cases already assigned
    are reported `already`, so the same request sent again (e.g. after a timeout) assigns nothing twice."""
    ids = list(dict.fromkeys(body.case_ids))
    if len(ids) > settings.batch_max:
        raise Invalid("batch.too_large", f"At most {settings.batch_max} cases at once.", limit=settings.batch_max)
    stray = sorted(set(body.complex_case_ids) - set(ids))
    if stray:
        raise Invalid("batch.complex_not_listed", "complex_case_ids must be among case_ids.", case_ids=stray)
    found = await cases.get_many(staff.congress_id, ids)
    at = now()
    problems: list[dict[str, object]] = []
    todo: list[Case] = []
    already: list[str] = []
    for case_id in ids:
        case = found.get(case_id)
        if case is None:
            problems.append({"case_id": case_id, "code": "case.not_found"})
            continue
        case = settle(case, at)
        if case.status is CaseStatus.ASSIGNED:
            already.append(case_id)
        elif case.status is CaseStatus.AGREED:
            todo.append(found[case_id])
        else:
            problems.append({"case_id": case_id, "code": "assignment.not_agreed", "status": case.status.value})
    if problems:
        raise Invalid("batch.refused", "Some cases cannot be assigned; nothing was done.", problems=problems)
    policy = await policies.get(staff.congress_id)
    batch_id = body.batch_id or uuid.uuid4().hex
    complex_ids = set(body.complex_case_ids)

    def rule(c: Case) -> Case:
        return assign(
            c,
            complex_case=True if c.id in complex_ids else None,
            batch_id=batch_id,
            by=staff.subject,
            now=at,
            policy=policy,
        )

    results = await cases.change_many(todo, rule, span="assignment assign")
    for _, outcome in results:
        if isinstance(outcome, Case):
            routers.learn(outcome)
    return BatchResult.of(batch_id, results, already)


@router.post("/cases/{case_id}/reassignment", summary="Reassign an assigned case (改办)")
async def reassign_case(
    case_id: str,
    body: ReassignIn,
    staff: StaffUser,
    cases: Cases,
    units: Units,
    policies: Policies,
    routers: Routers,
    now: Now,
) -> CasePublic:
    """Change the lead unit or co-units, with a reason. When the lead changes, the deadlines restart from
    today unless the congress keeps them (`reassignment_deadline`)."""
    registry = await units.get_many(staff.congress_id, [body.lead_unit_id, *body.co_unit_ids])
    unit_set(body.lead_unit_id, body.co_unit_ids, registry)
    policy = await policies.get(staff.congress_id)
    at = now()
    case = await cases.change(
        staff.congress_id,
        case_id,
        lambda c: reassign(
            c,
            lead_unit_id=body.lead_unit_id,
            co_unit_ids=body.co_unit_ids,
            units=registry,
            reason=body.reason,
            by=staff.subject,
            now=at,
            policy=policy,
        ),
    )
    routers.learn(case)
    return CasePublic.of(case)


@router.post("/cases/{case_id}/leader", summary="A leader takes the case (领导领办)")
async def lead_case(case_id: str, body: LeaderIn, who: StaffOrLeader, cases: Cases, now: Now) -> CasePublic:
    """A leader takes the case to lead its handling. A leader may take it themself (no `leader_id`, or
    their own); staff record it for a named leader."""
    if body.leader_id is None or body.leader_id == who.subject:
        if Role.LEADER not in who.roles:
            raise Invalid("leader.required", "Name the leader (leader_id) who takes the case.")
        leader = LeaderRef(id=who.subject, name=body.name or who.name, title=body.title)
    else:
        if not who.has(Role.STAFF):
            raise Forbidden("leader.self_only", "A leader takes a case for themself; leave leader_id out.")
        leader = LeaderRef(id=body.leader_id, name=body.name, title=body.title)
    at = now()
    case = await cases.change(who.congress_id, case_id, lambda c: take_lead(c, leader=leader, by=who.subject, now=at))
    return CasePublic.of(case)


@router.get("/units/{unit_id}/cases", summary="A unit's assigned cases")
async def unit_cases(
    unit_id: str,
    who: Reader,
    cases: Cases,
    units: Units,
    role: Annotated[str | None, Query(pattern="^(lead|co)$")] = None,
) -> UnitCasesPublic:
    """Cases formally assigned to the unit (as lead or co-unit), newest first, with their deadlines."""
    await may_read_unit(who, unit_id, units)
    views = []
    for case in await cases.of_unit(who.congress_id, unit_id, [CaseStatus.ASSIGNED]):
        view = UnitCaseView.of(case, unit_id)
        mine = next((u for u in view.units if u.unit_id == unit_id), None)
        if mine is not None and (role is None or mine.role == role):
            views.append(view)
    return UnitCasesPublic(data=views, count=len(views))


@router.get("/deadlines", summary="Deadlines for an assignment date")
async def preview_deadlines(
    who: StaffOrLeader,
    policies: Policies,
    now: Now,
    assigned_on: Annotated[date | None, Query()] = None,
    complex: Annotated[bool, Query()] = False,
) -> DeadlinesPreview:
    """The deadlines a case formally assigned on `assigned_on` (default today) would get."""
    policy = await policies.get(who.congress_id)
    on = assigned_on or local_date(now())
    instant = datetime.combine(on, time(12), tzinfo=SHANGHAI)
    return DeadlinesPreview.of(on, policy.deadlines(instant, complex_case=complex))
