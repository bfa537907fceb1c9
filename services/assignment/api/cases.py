"""Reading cases, and routing proposals (拟办)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.assignment.api.deps import (
    Cases,
    Now,
    Reader,
    Routers,
    Settings,
    StaffOrLeader,
    acting_unit,
    is_staff_side,
)
from services.assignment.api.deps import Units as UnitsDep
from services.assignment.api.schemas import (
    CasePublic,
    CasesPublic,
    ProposalPublic,
    ProposalsIn,
    ProposalsPublic,
    UnitCaseView,
)
from services.assignment.domain import CaseStatus, settle
from shared.errors import Invalid, NotFound

router = APIRouter(tags=["cases"])


@router.get("/cases", summary="List cases")
async def list_cases(
    staff: StaffOrLeader,
    cases: Cases,
    now: Now,
    status: Annotated[CaseStatus | None, Query()] = None,
    unit_id: Annotated[str | None, Query(max_length=64)] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasesPublic:
    """Staff list the congress's cases: e.g. `status=awaiting_pre_assignment`, or `contested` (异议件)."""
    items, total = await cases.page(
        staff.congress_id, status=status.value if status else None, unit_id=unit_id, skip=skip, limit=limit
    )
    at = now()
    return CasesPublic(data=[CasePublic.of(settle(c, at)) for c in items], count=total)


@router.get("/cases/{case_id}", summary="Read a case", response_model=None)
async def read_case(case_id: str, who: Reader, cases: Cases, units: UnitsDep, now: Now) -> CasePublic | UnitCaseView:
    """Staff and leaders read the whole story; a unit reads a case it is on, and only its own answer."""
    case = settle(await cases.get(who.congress_id, case_id), now())
    if is_staff_side(who):
        return CasePublic.of(case)
    unit_id = await acting_unit(who, units)
    if unit_id not in case.unit_ids():
        raise NotFound("case.not_found", "No such case.")
    return UnitCaseView.of(case, unit_id)


@router.get("/cases/{case_id}/proposal", summary="Units proposed for a case")
async def propose(
    case_id: str,
    staff: StaffOrLeader,
    cases: Cases,
    routers: Routers,
    top: Annotated[int, Query(ge=1, le=10)] = 3,
) -> ProposalPublic:
    """The units most likely to lead the case (best first), co-units for the first, and why: matching
    duties and similar past cases staff assigned."""
    case = await cases.get(staff.congress_id, case_id)
    return ProposalPublic.of(case.id, await routers.propose(case, top=top))


@router.post("/proposals", summary="Units proposed for many cases")
async def propose_many(
    body: ProposalsIn, staff: StaffOrLeader, cases: Cases, routers: Routers, settings: Settings
) -> ProposalsPublic:
    """Proposals for up to `batch_max` cases at once, in the order asked (e.g. before a 集中交办)."""
    ids = list(dict.fromkeys(body.case_ids))
    if len(ids) > settings.batch_max:
        raise Invalid("batch.too_large", f"At most {settings.batch_max} cases at once.", limit=settings.batch_max)
    found = await cases.get_many(staff.congress_id, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("case.not_found", "No such case.", case_ids=missing)
    router_ = await routers.router(staff.congress_id)
    results = [
        ProposalPublic.of(i, router_.propose(found[i].title, found[i].body, found[i].field, top=body.top, case_id=i))
        for i in ids
    ]
    return ProposalsPublic(data=results)
