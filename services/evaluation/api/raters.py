"""Evaluation's HTTP API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from services.evaluation.store.raters import RaterStore
from shared.auth import Principal, Role, require
from shared.contracts.intake import DeputyRef

router = APIRouter(tags=["ratings"])


def _store(request: Request) -> RaterStore:
    store: RaterStore = request.app.state.store
    return store


StoreDep = Annotated[RaterStore, Depends(_store)]
StaffUser = Annotated[Principal, Depends(require(Role.STAFF))]


class RatersPublic(BaseModel):
    """Who rates the replies to a suggestion."""

    suggestion_id: str
    number: str
    title: str
    lead_deputy: DeputyRef
    co_signers: list[DeputyRef]


@router.get("/suggestions/{suggestion_id}/raters", summary="Who rates this suggestion's replies")
async def read_raters(suggestion_id: str, staff: StaffUser, store: StoreDep) -> RatersPublic:
    """The lead deputy and co-signers who will be asked to rate replies."""
    r = await store.get(staff.congress_id, suggestion_id)
    return RatersPublic(
        suggestion_id=r.suggestion_id,
        number=r.number,
        title=r.title,
        lead_deputy=r.lead_deputy,
        co_signers=list(r.co_signers),
    )
