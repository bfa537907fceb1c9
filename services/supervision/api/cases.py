"""Reading the ledger: cases, a unit's cases, the secretary's and the chair's lists, the B look-back list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.supervision.api.deps import Cases, Now, Policies, Reader, StaffOrLeader, own_unit, visible
from services.supervision.api.schemas import BItemPublic, BLedgerPublic, CasePublic, CasesPublic, CommitmentPublic
from services.supervision.domain import OPEN, Status, observe
from services.supervision.store.cases import by_unit
from shared.contracts.supervision import Light
from shared.mongo import Doc
from shared.workdays import local_date

router = APIRouter(tags=["ledger"])
Skip = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/cases", summary="The ledger")
async def list_cases(
    staff: StaffOrLeader,
    cases: Cases,
    status: Annotated[Status | None, Query()] = None,
    light: Annotated[Light | None, Query()] = None,
    unit_id: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    skip: Skip = 0,
    limit: Limit = 50,
) -> CasesPublic:
    """Staff and leaders list the congress's cases, soonest deadline first."""
    query: Doc = {"congress_id": staff.congress_id}
    if status:
        query["status"] = status.value
    if light:
        query["light"] = light
    if unit_id:
        query["unit_ids"] = unit_id
    if year:
        query["year"] = year
    items, total = await cases.page(query, skip=skip, limit=limit)
    return CasesPublic(data=[CasePublic.of(c) for c in items], count=total)


@router.get("/lists/secretary", summary="Yellow cases (to the secretary)")
async def secretary_list(staff: StaffOrLeader, cases: Cases, skip: Skip = 0, limit: Limit = 50) -> CasesPublic:
    """Cases whose light is yellow — close to the deadline or handling judged weak — for the secretary (秘书督办)."""
    items, total = await cases.page({"congress_id": staff.congress_id, "light": "yellow"}, skip=skip, limit=limit)
    return CasesPublic(data=[CasePublic.of(c) for c in items], count=total)


@router.get("/lists/chair", summary="Red cases (to the chair)")
async def chair_list(staff: StaffOrLeader, cases: Cases, skip: Skip = 0, limit: Limit = 50) -> CasesPublic:
    """Cases whose light is red — overdue or handling judged poor — for the chair (主席督办)."""
    items, total = await cases.page({"congress_id": staff.congress_id, "light": "red"}, skip=skip, limit=limit)
    return CasesPublic(data=[CasePublic.of(c) for c in items], count=total)


@router.get("/cases/{case_id}", summary="Read a case")
async def read_case(case_id: str, who: Reader, cases: Cases, policies: Policies, now: Now) -> CasePublic:
    """Staff and leaders read any case of the congress; a unit only a case it is on."""
    case = visible(who, await cases.get(who.congress_id, case_id))
    return CasePublic.of(observe(case, now=now(), policy=await policies.get(who.congress_id)))


@router.get("/units/{unit_id}/cases", summary="A unit's cases")
async def unit_cases(
    unit_id: str,
    who: Reader,
    cases: Cases,
    open_only: Annotated[bool, Query(alias="open")] = True,
    skip: Skip = 0,
    limit: Limit = 50,
) -> CasesPublic:
    """The unit's ledger (lead or co-unit): by default its open cases, soonest deadline first."""
    own_unit(who, unit_id)
    query = by_unit(who.congress_id, unit_id, OPEN if open_only else None)
    items, total = await cases.page(query, skip=skip, limit=limit)
    return CasesPublic(data=[CasePublic.of(c) for c in items], count=total)


@router.get("/b-ledger", summary="Open B commitments (回头看)")
async def b_ledger(
    staff: StaffOrLeader,
    cases: Cases,
    now: Now,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    skip: Skip = 0,
    limit: Limit = 200,
) -> BLedgerPublic:
    """Every open B item of the congress (of a ledger year, rolled-over items in their new year), soonest first."""
    query: Doc = {"congress_id": staff.congress_id, "commitments": {"$elemMatch": {"state": "open"}}}
    items, _ = await cases.page(query, skip=0, limit=10_000)
    today = local_date(now())
    rows = [
        BItemPublic(
            case_id=c.id,
            number=c.number,
            title=c.title,
            lead_unit=c.lead.ref(),
            commitment=CommitmentPublic(**vars(item)),
            overdue=item.due_on < today,
            second_reply_due_on=c.second_reply_due_on,
            second_replied=c.second_replied_at is not None,
        )
        for c in items
        for item in c.open_commitments()
        if year is None or item.year == year
    ]
    rows.sort(key=lambda r: (r.commitment.due_on, r.number, r.commitment.id))
    return BLedgerPublic(data=rows[skip : skip + limit], count=len(rows))


class UnitLight(BaseModel):
    """A unit's light: the worst light of the open cases it is on (lead or co), and how many of each."""

    unit_id: str
    name: str
    light: Light
    green: int
    yellow: int
    red: int


class UnitLights(BaseModel):
    data: list[UnitLight]


_ORDER = {"red": 0, "yellow": 1, "green": 2}


@router.get("/lights/units", summary="Each unit's light")
async def unit_lights(staff: StaffOrLeader, cases: Cases) -> UnitLights:
    """Per unit with cases waiting for a reply: its light (red if any of its cases is red, else yellow if
    any is yellow, else green) and the counts. Red units first."""
    items, _ = await cases.page(
        {"congress_id": staff.congress_id, "status": Status.HANDLING.value}, skip=0, limit=1_000_000
    )
    counts: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for case in items:
        for unit in case.units():
            names.setdefault(unit.unit_id, unit.name)
            tally = counts.setdefault(unit.unit_id, {"green": 0, "yellow": 0, "red": 0})
            if case.light in tally:
                tally[case.light] += 1
    rows = [
        UnitLight(
            unit_id=u,
            name=names[u],
            light="red" if c["red"] else "yellow" if c["yellow"] else "green",
            green=c["green"],
            yellow=c["yellow"],
            red=c["red"],
        )
        for u, c in counts.items()
    ]
    rows.sort(key=lambda r: (_ORDER[r.light], -r.red, -r.yellow, r.unit_id))
    return UnitLights(data=rows)
