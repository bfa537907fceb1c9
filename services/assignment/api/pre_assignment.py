"""Pre-assignment (预交办): staff confirm units; each unit accepts or objects within its window."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.assignment.api.deps import (
    Cases,
    Now,
    Policies,
    Reader,
    Settings,
    StaffUser,
    Units,
    UnitUser,
    acting_unit,
    may_read_unit,
)
from services.assignment.api.schemas import (
    BatchResult,
    CasePublic,
    ObjectionIn,
    PreAssign,
    PreAssignBatch,
    PreAssignItem,
    UnitCasesPublic,
    UnitCaseView,
)
from services.assignment.domain import (
    Case,
    CaseStatus,
    TaskState,
    accept,
    object_to,
    pre_assign,
    settle,
    unit_set,
)
from services.assignment.units import Unit
from shared.errors import DomainError, Invalid

router = APIRouter(tags=["pre-assignment"])


@router.post("/cases/{case_id}/pre-assignment", summary="Pre-assign a case")
async def pre_assign_case(
    case_id: str, body: PreAssign, staff: StaffUser, cases: Cases, units: Units, policies: Policies, now: Now
) -> CasePublic:
    """Staff confirm the lead unit and co-units; each gets a window (default 5 working days) to object."""
    registry = await units.get_many(staff.congress_id, [body.lead_unit_id, *body.co_unit_ids])
    unit_set(body.lead_unit_id, body.co_unit_ids, registry)  # 422 before anything is read or written
    policy = await policies.get(staff.congress_id)
    at = now()
    case = await cases.change(
        staff.congress_id,
        case_id,
        lambda c: pre_assign(
            c,
            lead_unit_id=body.lead_unit_id,
            co_unit_ids=body.co_unit_ids,
            units=registry,
            complex_case=body.complex,
            by=staff.subject,
            now=at,
            policy=policy,
        ),
    )
    return CasePublic.of(case)


@router.post("/pre-assignments", summary="Pre-assign many cases")
async def pre_assign_many(
    body: PreAssignBatch, staff: StaffUser, cases: Cases, units: Units, policies: Policies, settings: Settings, now: Now
) -> BatchResult:
    """Pre-assign up to `batch_max` cases at once. Every item is checked first; any problem refuses the
    whole batch (nothing written). Cases pre-assigned already to the same units are reported `already`."""
    if len(body.items) > settings.batch_max:
        raise Invalid("batch.too_large", f"At most {settings.batch_max} cases at once.", limit=settings.batch_max)
    ids = [i.case_id for i in body.items]
    if len(set(ids)) != len(ids):
        raise Invalid("batch.repeated_case", "A case is listed twice.")
    registry = await units.get_many(
        staff.congress_id, {u for i in body.items for u in [i.lead_unit_id, *i.co_unit_ids]}
    )
    found = await cases.get_many(staff.congress_id, ids)
    problems: list[dict[str, object]] = []
    todo: list[tuple[Case, PreAssignItem]] = []
    already: list[str] = []
    for item in body.items:
        case = found.get(item.case_id)
        if case is None:
            problems.append({"case_id": item.case_id, "code": "case.not_found"})
            continue
        try:
            unit_set(item.lead_unit_id, item.co_unit_ids, registry)
        except DomainError as exc:
            problems.append({"case_id": item.case_id, "code": exc.code, **exc.details})
            continue
        if case.status is CaseStatus.AWAITING_PRE_ASSIGNMENT:
            todo.append((case, item))
        elif [t.unit_id for t in case.tasks] == [item.lead_unit_id, *item.co_unit_ids] and case.rounds == ():
            already.append(case.id)
        else:
            problems.append(
                {"case_id": item.case_id, "code": "case.not_awaiting_pre_assignment", "status": case.status}
            )
    if problems:
        raise Invalid("batch.refused", "Some items cannot be pre-assigned; nothing was done.", problems=problems)
    policy = await policies.get(staff.congress_id)
    at = now()
    items = {c.id: i for c, i in todo}

    def rule(c: Case) -> Case:
        i = items[c.id]
        return pre_assign(
            c,
            lead_unit_id=i.lead_unit_id,
            co_unit_ids=i.co_unit_ids,
            units=registry,
            complex_case=i.complex,
            by=staff.subject,
            now=at,
            policy=policy,
        )

    results = await cases.change_many([c for c, _ in todo], rule, span="assignment pre-assign")
    return BatchResult.of(None, results, already)


@router.post("/cases/{case_id}/pre-assignment/accept", summary="Accept a pre-assignment")
async def accept_case(case_id: str, who: UnitUser, cases: Cases, units: Units, now: Now) -> UnitCaseView:
    """The unit accepts its part (lead or co-unit). Accepting twice is harmless."""
    unit_id = await acting_unit(who, units)
    at = now()
    case = await cases.change(who.congress_id, case_id, lambda c: accept(c, unit_id=unit_id, by=who.subject, now=at))
    return UnitCaseView.of(case, unit_id)


@router.post("/cases/{case_id}/pre-assignment/objection", summary="Object to a pre-assignment")
async def object_case(
    case_id: str, body: ObjectionIn, who: UnitUser, cases: Cases, units: Units, now: Now
) -> UnitCaseView:
    """The unit objects within its window, with a reason and maybe the unit it thinks should handle it;
    the case goes to negotiation (its coordinator, e.g. 市政府督查室, takes the objection)."""
    unit_id = await acting_unit(who, units)
    suggested: dict[str, Unit] = {}
    if body.suggested_unit_id:
        suggested = await units.get_many(who.congress_id, [body.suggested_unit_id])
    at = now()
    case = await cases.change(
        who.congress_id,
        case_id,
        lambda c: object_to(
            c,
            unit_id=unit_id,
            reason=body.reason,
            suggested_unit_id=body.suggested_unit_id,
            units=suggested,
            by=who.subject,
            now=at,
        ),
    )
    return UnitCaseView.of(case, unit_id)


@router.get("/units/{unit_id}/pre-assignments", summary="A unit's pre-assignments")
async def unit_pre_assignments(
    unit_id: str,
    who: Reader,
    cases: Cases,
    units: Units,
    now: Now,
    state: Annotated[TaskState | None, Query()] = TaskState.PENDING,
) -> UnitCasesPublic:
    """The unit's pre-assignments: by default those waiting for its answer (window still open).
    A unit handler reads only their own unit's list; staff and leaders any unit's."""
    await may_read_unit(who, unit_id, units)
    at = now()
    statuses = [CaseStatus.PRE_ASSIGNED, CaseStatus.CONTESTED, CaseStatus.AGREED]
    views = []
    for case in await cases.of_unit(who.congress_id, unit_id, statuses):
        case = settle(case, at)
        task = case.task(unit_id)
        if task is not None and (state is None or task.state is state):
            views.append(UnitCaseView.of(case, unit_id))
    return UnitCasesPublic(data=views, count=len(views))
