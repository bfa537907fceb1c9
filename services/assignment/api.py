"""Assignment's HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from services.assignment.domain import Case, CaseStatus
from services.assignment.store import CaseStore
from shared.auth import Principal, Role, require
from shared.contracts.intake import DeputyRef

router = APIRouter(tags=["cases"])


def _store(request: Request) -> CaseStore:
    store: CaseStore = request.app.state.store
    return store


StoreDep = Annotated[CaseStore, Depends(_store)]
StaffUser = Annotated[Principal, Depends(require(Role.STAFF, Role.LEADER))]


class CasePublic(BaseModel):
    """A case as staff see it."""

    id: str
    congress_id: str
    number: str
    title: str
    field: str
    lead_deputy: DeputyRef
    confidential: bool
    status: CaseStatus
    registered_at: datetime
    received_at: datetime

    @classmethod
    def of(cls, case: Case) -> CasePublic:
        """Build from the domain object."""
        return cls(**case.__dict__)


class CasesPublic(BaseModel):
    """A page of cases."""

    data: list[CasePublic]
    count: int


@router.get("/cases", summary="List cases")
async def list_cases(
    staff: StaffUser,
    store: StoreDep,
    status: Annotated[CaseStatus | None, Query()] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasesPublic:
    """Staff list the congress's cases, e.g. those awaiting pre-assignment."""
    items, total = await store.page(staff.congress_id, status=status.value if status else None, skip=skip, limit=limit)
    return CasesPublic(data=[CasePublic.of(c) for c in items], count=total)


@router.get("/cases/{case_id}", summary="Read a case")
async def read_case(case_id: str, staff: StaffUser, store: StoreDep) -> CasePublic:
    """One case of the congress."""
    return CasePublic.of(await store.get(staff.congress_id, case_id))
