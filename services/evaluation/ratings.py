"""Deputies' ratings of a reply (代表满意度测评). No I/O here.

A reply that reached the deputies (supervision's `replied`) opens a rating round for the lead deputy and
each co-signer, with a window. Each deputy rates once per round — satisfied, basically satisfied or
unsatisfied, with a comment — and may change it until the window closes. The case's result follows the
lead deputy's rating (or the most ratings, per congress); a deputy silent until the close counts as the
congress says (satisfied by default). The result is final at the close — or at once when every deputy
asked has rated — and goes out as `evaluation.case.rated.v1`, which supervision acts on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from services.evaluation.policy import Policy, Result
from shared.contracts.envelope import EventData
from shared.contracts.evaluation import CaseRated, RaterRef, RatingRequested, RatingSubmitted
from shared.contracts.supervision import CaseReplied
from shared.errors import Conflict, Forbidden, Invalid

COMMENT_MAX = 2000
_ORDER: dict[str, int] = {"unsatisfied": 0, "basically_satisfied": 1, "satisfied": 2}


@dataclass(frozen=True)
class Rating:
    deputy_id: str
    rating: Result
    comment: str
    at: datetime
    changes: int = 0


@dataclass(frozen=True)
class RatingRound:
    """One reply round of a case and the deputies' ratings of it."""

    case_id: str
    congress_id: str
    number: str
    title: str
    round: int
    category: str
    lead_unit_id: str
    raters: tuple[RaterRef, ...]
    opened_at: datetime
    closes_at: datetime
    ratings: tuple[Rating, ...] = ()
    result: Result | None = None
    result_by: Literal["lead", "majority", "silence", ""] = ""
    final_at: datetime | None = None
    revision: int = 1
    events: tuple[EventData, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.case_id}:{self.round}"

    @property
    def open(self) -> bool:
        return self.final_at is None

    def rater(self, deputy_id: str) -> RaterRef | None:
        return next((r for r in self.raters if r.id == deputy_id), None)

    def rating_of(self, deputy_id: str) -> Rating | None:
        return next((r for r in self.ratings if r.deputy_id == deputy_id), None)

    def next_due_at(self) -> datetime | None:
        return self.closes_at if self.open else None


def request(event: CaseReplied, *, now: datetime, policy: Policy) -> RatingRound:
    """A reply reached the deputies: they are asked to rate it."""
    raters = [RaterRef(id=event.lead_deputy.id, name=event.lead_deputy.name, lead=True)]
    raters += [RaterRef(id=d.id, name=d.name) for d in event.co_signers if d.id != event.lead_deputy.id]
    opened = event.replied_at
    r = RatingRound(
        case_id=event.case_id,
        congress_id=event.congress_id,
        number=event.number,
        title=event.title,
        round=event.round,
        category=event.category,
        lead_unit_id=event.lead_unit.unit_id,
        raters=tuple(raters),
        opened_at=opened,
        closes_at=policy.window_closes_at(opened),
    )
    requested = RatingRequested(
        case_id=r.case_id,
        congress_id=r.congress_id,
        number=r.number,
        title=r.title,
        round=r.round,
        category=r.category,
        raters=list(r.raters),
        window_closes_at=r.closes_at,
        requested_at=now,
    )
    settled = settle(r, now=now, policy=policy)
    return replace(settled, events=(requested, *settled.events))


def rate(r: RatingRound, *, deputy_id: str, rating: Result, comment: str, now: datetime, policy: Policy) -> RatingRound:
    """A deputy rates (or changes the rating) before the window closes."""
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise Invalid("rating.comment_too_long", f"A comment is at most {COMMENT_MAX} characters.")
    if rating == "unsatisfied" and not comment:
        raise Invalid("rating.comment_required", "Say why the reply is unsatisfactory (不满意的理由).")
    r = settle(r, now=now, policy=policy)
    rater = r.rater(deputy_id)
    if rater is None:
        raise Forbidden("rating.not_a_rater", "You are not among the deputies asked to rate this reply.")
    if not r.open:
        raise Conflict(
            "rating.window_closed",
            "The rating is final.",
            result=r.result,
            final_at=r.final_at.isoformat() if r.final_at else None,
        )
    before = r.rating_of(deputy_id)
    if before is not None and before.rating == rating and before.comment == comment:
        return r
    new = Rating(
        deputy_id=deputy_id,
        rating=rating,
        comment=comment,
        at=now,
        changes=before.changes + 1 if before else 0,
    )
    ratings = (*tuple(x for x in r.ratings if x.deputy_id != deputy_id), new)
    after = replace(r, ratings=ratings, revision=r.revision + 1)
    submitted = RatingSubmitted(
        case_id=r.case_id,
        congress_id=r.congress_id,
        round=r.round,
        deputy_id=deputy_id,
        lead=rater.lead,
        rating=rating,
        comment=comment,
        changed=before is not None,
        submitted_at=now,
    )
    after = replace(after, events=(*r.events, submitted))
    if policy.final_when_all_rated and len(after.ratings) == len(after.raters):
        return _finalize(after, now=now, policy=policy)
    return after


def settle(r: RatingRound, *, now: datetime, policy: Policy) -> RatingRound:
    """At the close of the window the result is final. Returns only the events of this settling."""
    r = replace(r, events=()) if r.events else r
    if r.open and now >= r.closes_at:
        return _finalize(r, now=r.closes_at, policy=policy)
    return r


def outcome(r: RatingRound, policy: Policy) -> tuple[Result | None, Literal["lead", "majority", "silence", ""]]:
    """The case's result from the ratings given, by the congress's rule."""
    if policy.result_from == "lead":
        lead = next((x for x in r.ratings if (rater := r.rater(x.deputy_id)) is not None and rater.lead), None)
        if lead is not None:
            return lead.rating, "lead"
    elif r.ratings:
        counts = Counter(x.rating for x in r.ratings)
        top = max(counts.values())
        # a tie goes to the less satisfied rating: a doubt is resolved in the deputies' favour
        best = min((k for k, v in counts.items() if v == top), key=lambda k: _ORDER[k])
        return best, "majority"
    if policy.silent_result == "none":
        return None, ""
    return policy.silent_result, "silence"


def _finalize(r: RatingRound, *, now: datetime, policy: Policy) -> RatingRound:
    result, by = outcome(r, policy)
    after = replace(r, result=result, result_by=by, final_at=now, revision=r.revision + 1)
    if result is None:
        return after
    lead = next((x for x in r.ratings if (rater := r.rater(x.deputy_id)) is not None and rater.lead), None)
    rated = CaseRated(
        case_id=r.case_id,
        congress_id=r.congress_id,
        round=r.round,
        result=result,
        comment=lead.comment if lead else "",
        rated_at=now,
    )
    return replace(after, events=(*r.events, rated))
