"""Events evaluation publishes that other services act on (the rest come with evaluation's own work).

`CaseRated` is the result of a reply round as the congress counts it (by default the lead deputy's
rating); supervision closes the case on a satisfied or basically satisfied result and re-opens it
for re-handling on an unsatisfied one. `KeySuggestionsSelected` is the final list of key suggestions
(重点建议) of a year, which supervision puts under key supervision.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import EventData
from shared.contracts.registry import registry

RatingResult = Literal["satisfied", "basically_satisfied", "unsatisfied"]


@registry.register
class CaseRated(EventData):
    """The result of the deputies' rating of one reply round of a case (满意 / 基本满意 / 不满意)."""

    event_type: ClassVar[str] = "evaluation.case.rated.v1"
    case_id: str
    congress_id: str
    round: int  # the reply round rated: 1 for the first reply, 2 after the first re-handling, …
    result: RatingResult
    comment: str = ""
    rated_at: datetime


@registry.register
class KeySuggestionsSelected(EventData):
    """The chair meeting fixed the year's key suggestions (重点建议), by ballot (票决) or by staff's choice."""

    event_type: ClassVar[str] = "evaluation.key_suggestions.selected.v1"
    congress_id: str
    year: int
    case_ids: list[str] = Field(min_length=1)
    ballot_id: str | None = None
    selected_at: datetime


class RaterRef(BaseModel):
    """A deputy asked to rate a reply."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str = ""
    lead: bool = False


@registry.register
class RatingRequested(EventData):
    """A reply reached the deputies: each is asked to rate it before the window closes (代表满意度测评)."""

    event_type: ClassVar[str] = "evaluation.rating.requested.v1"
    case_id: str
    congress_id: str
    number: str
    title: str
    round: int
    category: str
    raters: list[RaterRef]
    window_closes_at: datetime
    requested_at: datetime


@registry.register
class RatingSubmitted(EventData):
    """A deputy rated a reply (or changed the rating before the window closed)."""

    event_type: ClassVar[str] = "evaluation.rating.submitted.v1"
    case_id: str
    congress_id: str
    round: int
    deputy_id: str
    lead: bool
    rating: RatingResult
    comment: str = ""
    changed: bool = False  # a change of an earlier rating
    submitted_at: datetime


class TallyLine(BaseModel):
    """One item of a ballot's tally."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    item_id: str
    label: str = ""
    votes: int = 0  # key-suggestion selection: voters who picked it
    rank: int | None = None
    satisfied: int = 0  # democratic evaluation
    basically_satisfied: int = 0
    unsatisfied: int = 0
    continue_handling: int = 0
    satisfaction_rate: float | None = None


@registry.register
class BallotOpened(EventData):
    """A ballot opened: key-suggestion selection (票决) or democratic evaluation (民主评议)."""

    event_type: ClassVar[str] = "evaluation.ballot.opened.v1"
    ballot_id: str
    congress_id: str
    kind: Literal["key_selection", "democratic_evaluation"]
    title: str
    year: int
    items: list[str]
    voters: list[str]
    secret: bool
    closes_at: datetime | None = None
    opened_at: datetime


@registry.register
class BallotClosed(EventData):
    """A ballot closed; its tally is final and announced (当场公布)."""

    event_type: ClassVar[str] = "evaluation.ballot.closed.v1"
    ballot_id: str
    congress_id: str
    kind: Literal["key_selection", "democratic_evaluation"]
    title: str
    year: int
    voters: int
    turnout: int
    tally: list[TallyLine]
    closed_at: datetime


@registry.register
class EvaluationOutcome(EventData):
    """What democratic evaluation decided for one item (a unit or a key suggestion) in a year."""

    event_type: ClassVar[str] = "evaluation.outcome.decided.v1"
    congress_id: str
    ballot_id: str
    year: int
    item_id: str  # the unit id (or case id) evaluated
    label: str = ""
    satisfaction_rate: float
    continue_share: float
    outcome: Literal["passed", "re_evaluate_next_year", "special_inquiry", "chair_decides_continuation"]
    decided_at: datetime


# --- selections and assessment (yours) ---

SelectionKind = Literal["excellent_suggestions", "excellent_deputies"]  # 优秀建议 / 优秀代表


class SelectedItem(BaseModel):
    """A chosen candidate of a yearly selection: a suggestion (id, title) or a deputy (id, name)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    label: str = ""
    score: float
    note: str = ""


@registry.register
class SelectionPublished(EventData):
    """Staff published a year's excellent suggestions (优秀建议, ~10%) or excellent deputies (优秀代表, ~6%)."""

    event_type: ClassVar[str] = "evaluation.selection.published.v1"
    selection_id: str
    congress_id: str
    kind: SelectionKind
    year: int
    chosen: list[SelectedItem] = Field(min_length=1)  # highest score first
    candidates: int  # how many were listed
    population: int | None = None  # the year's suggestions (or deputies), when staff gave it
    share: float | None = None  # len(chosen) / population, 4 places
    usual_share: float  # 0.10 for suggestions, 0.06 for deputies
    published_at: datetime
    published_by: str


class AssessmentLine(BaseModel):
    """One unit's published assessment (考核): its parts, total, grade and rank."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    unit_id: str
    label: str = ""
    rank: int
    total: float
    max_total: float
    grade: Literal["excellent", "good", "pass", "fail"]  # ≥ 90%, ≥ 80%, ≥ 60% of max_total, below
    parts: dict[str, float]  # rules, staffing, contact, reply_standard, results


@registry.register
class AssessmentPublished(EventData):
    """Staff published the year's unit assessment (承办单位考核), ranked; it no longer changes."""

    event_type: ClassVar[str] = "evaluation.assessment.published.v1"
    congress_id: str
    year: int
    maxima: dict[str, float]  # the maximum of each part
    lines: list[AssessmentLine]  # ranked, highest total first
    published_at: datetime
    published_by: str
