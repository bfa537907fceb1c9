"""Events evaluation publishes that other services act on (the rest come with evaluation's own work).

`CaseRated` is the result of a reply round as the congress counts it (by default the lead deputy's
rating); supervision closes the case on a satisfied or basically satisfied result and re-opens it
for re-handling on an unsatisfied one. `KeySuggestionsSelected` is the final list of key suggestions
(重点建议) of a year, which supervision puts under key supervision.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

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
