"""Deputies rate replies (代表满意度测评); staff read the ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.ratings import RatingRound, rate, settle
from services.evaluation.store.policies import PolicyStore
from services.evaluation.store.ratings import RatingStore
from shared.auth import Principal, Role, require
from shared.contracts.evaluation import RaterRef
from shared.errors import NotFound

router = APIRouter(tags=["ratings"])
Result = Literal["satisfied", "basically_satisfied", "unsatisfied"]


def _ratings(request: Request) -> RatingStore:
    store: RatingStore = request.app.state.ratings
    return store


def _policies(request: Request) -> PolicyStore:
    store: PolicyStore = request.app.state.policies
    return store


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now


Ratings = Annotated[RatingStore, Depends(_ratings)]
Policies = Annotated[PolicyStore, Depends(_policies)]
Now = Annotated[datetime, Depends(_now)]
DeputyUser = Annotated[Principal, Depends(require(Role.DEPUTY))]
Reader = Annotated[Principal, Depends(require(Role.STAFF, Role.LEADER, Role.DEPUTY))]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Result
    comment: str = Field(default="", max_length=2000)


class RatingPublic(BaseModel):
    deputy_id: str
    rating: Result
    comment: str
    at: datetime
    changes: int


class RoundPublic(BaseModel):
    """A reply round: who is asked, the window, the ratings (a deputy sees only their own), the result."""

    case_id: str
    number: str
    title: str
    round: int
    category: str
    raters: list[RaterRef]
    opened_at: datetime
    window_closes_at: datetime
    open: bool
    ratings: list[RatingPublic]
    mine: RatingPublic | None
    result: Result | None
    result_by: str
    final_at: datetime | None

    @classmethod
    def of(cls, r: RatingRound, who: Principal) -> RoundPublic:
        staff_side = who.has(Role.STAFF, Role.LEADER)
        own = r.rating_of(who.subject)
        return cls(
            case_id=r.case_id,
            number=r.number,
            title=r.title,
            round=r.round,
            category=r.category,
            raters=list(r.raters),
            opened_at=r.opened_at,
            window_closes_at=r.closes_at,
            open=r.open,
            ratings=[RatingPublic(**vars(x)) for x in r.ratings] if staff_side else [],
            mine=RatingPublic(**vars(own)) if own else None,
            result=r.result,
            result_by=r.result_by,
            final_at=r.final_at,
        )


class RoundsPublic(BaseModel):
    data: list[RoundPublic]
    count: int


@router.get("/ratings/pending", summary="Replies waiting for my rating")
async def pending(who: DeputyUser, ratings: Ratings, policies: Policies, now: Now) -> RoundsPublic:
    """The deputy's open rating requests (rated or not yet: a rating may change until the window closes)."""
    policy = await policies.get(who.congress_id)
    rounds = [
        settle(r, now=now, policy=policy) for r in await ratings.of_deputy(who.congress_id, who.subject, open_only=True)
    ]
    data = [RoundPublic.of(r, who) for r in rounds if r.open]
    return RoundsPublic(data=data, count=len(data))


@router.get("/cases/{case_id}/ratings", summary="The ratings of a case's replies")
async def case_ratings(case_id: str, who: Reader, ratings: Ratings, policies: Policies, now: Now) -> RoundsPublic:
    """Staff and leaders see every rating; a deputy asked to rate sees the rounds and their own rating."""
    policy = await policies.get(who.congress_id)
    rounds = [settle(r, now=now, policy=policy) for r in await ratings.of_case(who.congress_id, case_id)]
    if not who.has(Role.STAFF, Role.LEADER):
        rounds = [r for r in rounds if r.rater(who.subject) is not None]
    if not rounds:
        raise NotFound("rating.not_found", "No rating of that case.")
    return RoundsPublic(data=[RoundPublic.of(r, who) for r in rounds], count=len(rounds))


@router.put("/cases/{case_id}/ratings/{round_}", summary="Rate a reply")
async def rate_reply(
    case_id: str, round_: int, body: RatingIn, who: DeputyUser, ratings: Ratings, policies: Policies, now: Now
) -> RoundPublic:
    """The deputy rates the reply of that round: satisfied, basically satisfied or unsatisfied (with the
    reasons); changeable until the window closes. The same rating again changes nothing."""
    policy = await policies.get(who.congress_id)
    r = await ratings.change(
        who.congress_id,
        f"{case_id}:{round_}",
        lambda x: rate(x, deputy_id=who.subject, rating=body.rating, comment=body.comment, now=now, policy=policy),
    )
    return RoundPublic.of(r, who)
