"""Events intake publishes: the life of a suggestion before it is handed out."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import EventData
from shared.contracts.registry import registry


class DeputyRef(BaseModel):
    """A deputy as events name them: id and display name."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str = ""


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


@registry.register
class SuggestionSubmitted(SuggestionFacts):
    """A deputy submitted a suggestion; it awaits review by staff."""

    event_type: ClassVar[str] = "intake.suggestion.submitted.v1"
    submitted_at: datetime


@registry.register
class SuggestionRegistered(SuggestionFacts):
    """Staff registered a suggestion: it has its number and can be assigned (登记)."""

    event_type: ClassVar[str] = "intake.suggestion.registered.v1"
    number: str
    sequence: int
    registered_at: datetime
    registered_by: str
