"""A congress's rating rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.policy import Policy
from services.evaluation.store.policies import PolicyStore
from shared.auth import Principal, Role, require

router = APIRouter(tags=["settings"])


def _policies(request: Request) -> PolicyStore:
    store: PolicyStore = request.app.state.policies
    return store


Policies = Annotated[PolicyStore, Depends(_policies)]


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating_window_working_days: int = Field(default=10, ge=1, le=60)
    result_from: Literal["lead", "majority"] = "lead"
    silent_result: Literal["satisfied", "basically_satisfied", "unsatisfied", "none"] = "satisfied"
    final_when_all_rated: bool = True
    extra_holidays: list[date] = Field(default_factory=list, max_length=400)
    extra_workdays: list[date] = Field(default_factory=list, max_length=400)


class PolicyPublic(PolicyIn):
    model_config = ConfigDict(extra="ignore")

    congress_id: str
    updated_at: datetime | None
    updated_by: str


def _public(congress_id: str, p: Policy, updated_at: datetime | None, updated_by: str) -> PolicyPublic:
    return PolicyPublic(
        congress_id=congress_id,
        rating_window_working_days=p.rating_window_working_days,
        result_from=p.result_from,
        silent_result=p.silent_result,
        final_when_all_rated=p.final_when_all_rated,
        extra_holidays=list(p.extra_holidays),
        extra_workdays=list(p.extra_workdays),
        updated_at=updated_at,
        updated_by=updated_by,
    )


@router.get("/settings", summary="The congress's rating rules")
async def read_rules(
    who: Annotated[Principal, Depends(require(Role.STAFF, Role.LEADER))], policies: Policies
) -> PolicyPublic:
    updated_at, updated_by = await policies.updated(who.congress_id)
    return _public(who.congress_id, await policies.get(who.congress_id), updated_at, updated_by)


@router.put("/settings", summary="Set the congress's rating rules")
async def put_rules(
    body: PolicyIn, staff: Annotated[Principal, Depends(require(Role.STAFF))], policies: Policies
) -> PolicyPublic:
    """Replace the rules; open rating windows keep their close."""
    policy = Policy(
        rating_window_working_days=body.rating_window_working_days,
        result_from=body.result_from,
        silent_result=body.silent_result,
        final_when_all_rated=body.final_when_all_rated,
        extra_holidays=tuple(sorted(set(body.extra_holidays))),
        extra_workdays=tuple(sorted(set(body.extra_workdays))),
    )
    await policies.put(staff.congress_id, policy, by=staff.subject)
    updated_at, updated_by = await policies.updated(staff.congress_id)
    return _public(staff.congress_id, policy, updated_at, updated_by)
