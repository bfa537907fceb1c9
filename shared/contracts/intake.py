"""Events intake publishes: congresses' deputies and the life of a suggestion before it is handed out.

Every suggestion event carries the same facts (SuggestionFacts) so a consumer needs no other
lookup; the event name says what changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import EventData
from shared.contracts.registry import registry


class DeputyRef(BaseModel):
    """A deputy as events name them: id, display name, and delegation (代表团) when known."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str = ""
    delegation: str = ""


class SuggestionFacts(EventData):
    """What every suggestion event says about the suggestion."""

    suggestion_id: str
    congress_id: str
    session: str
    title: str
    field: str
    kind: str
    origin: str
    lead_deputy: DeputyRef
    co_signers: list[DeputyRef] = Field(default_factory=list)
    confidential: bool = False
    number: str | None = None
    version: int = 0  # submitted versions so far (0 for a draft)
    opinion_id: str | None = None


@registry.register
class SuggestionCoSigningRequested(SuggestionFacts):
    """The lead deputy asked deputies to co-sign a draft (联名/附议); `requested` are the ones newly asked."""

    event_type: ClassVar[str] = "intake.suggestion.co_signing_requested.v1"
    requested: list[DeputyRef]


@registry.register
class SuggestionSubmitted(SuggestionFacts):
    """A deputy submitted a suggestion for the first time; it awaits review (审核)."""

    event_type: ClassVar[str] = "intake.suggestion.submitted.v1"
    submitted_at: datetime


@registry.register
class SuggestionReturned(SuggestionFacts):
    """Staff returned a submitted suggestion to its deputy with a reason (退回)."""

    event_type: ClassVar[str] = "intake.suggestion.returned.v1"
    reason_code: str
    reason_text: str
    returned_at: datetime
    returned_by: str


@registry.register
class SuggestionResubmitted(SuggestionFacts):
    """The deputy revised a returned suggestion and submitted it again (a new version)."""

    event_type: ClassVar[str] = "intake.suggestion.resubmitted.v1"
    submitted_at: datetime


@registry.register
class SuggestionWithdrawn(SuggestionFacts):
    """The lead deputy withdrew the suggestion before registration."""

    event_type: ClassVar[str] = "intake.suggestion.withdrawn.v1"
    withdrawn_at: datetime


@registry.register
class SuggestionRegistered(SuggestionFacts):
    """Staff registered a suggestion: it has its number and can be assigned (登记)."""

    event_type: ClassVar[str] = "intake.suggestion.registered.v1"
    number: str
    body: str = ""  # the registered text, for routing the case to its units (added in 0.2; empty before)
    sequence: int
    registered_at: datetime
    registered_by: str


@registry.register
class SuggestionsMerged(SuggestionFacts):
    """Staff merged registered suggestions into this one for handling (并案); every deputy stays an author."""

    event_type: ClassVar[str] = "intake.suggestion.merged.v1"
    merged: list[str]  # ids of the suggestions now handled as this case
    merged_numbers: list[str]
    authors: list[DeputyRef]  # lead deputies and co-signers of all of them
    merged_at: datetime
    merged_by: str


@registry.register
class SuggestionPassedUp(SuggestionFacts):
    """Staff of a lower congress sent a registered suggestion to its parent congress (转报上级人大)."""

    event_type: ClassVar[str] = "intake.suggestion.passed_up.v1"
    to_congress_id: str
    body: str
    authors: list[DeputyRef] = Field(default_factory=list)  # every author, those of merged suggestions too
    note: str = ""
    passed_up_at: datetime
    passed_up_by: str


@registry.register
class TransferReceived(SuggestionFacts):
    """The parent congress's intake created its own case for a suggestion passed up to it.

    The facts are those of the new case; `original_*` name the lower congress's suggestion.
    """

    event_type: ClassVar[str] = "intake.suggestion.transfer_received.v1"
    original_congress_id: str
    original_suggestion_id: str
    original_number: str
    received_at: datetime


@registry.register
class DeputyUpdated(EventData):
    """A deputy was added to or changed in a congress's directory."""

    event_type: ClassVar[str] = "intake.deputy.updated.v1"
    congress_id: str
    deputy_id: str
    name: str
    delegation: str = ""
    phone: str = ""
    email: str = ""
    active: bool = True


@registry.register
class OpinionRecorded(EventData):
    """A liaison station recorded a constituent's opinion (代表联络站)."""

    event_type: ClassVar[str] = "intake.opinion.recorded.v1"
    opinion_id: str
    congress_id: str
    station_id: str
    station_name: str
    summary: str
    anonymous: bool
    recorded_at: datetime
    # How to tell the constituent what became of the opinion (by SMS); empty when anonymous (additive in v1).
    constituent_name: str = ""
    constituent_phone: str = ""


@registry.register
class OpinionTakenUp(EventData):
    """A deputy took up a constituent's opinion as a draft suggestion."""

    event_type: ClassVar[str] = "intake.opinion.taken_up.v1"
    opinion_id: str
    congress_id: str
    station_id: str
    deputy: DeputyRef
    suggestion_id: str
    taken_up_at: datetime
