"""The rules of a case awaiting assignment. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.contracts.intake import DeputyRef, SuggestionRegistered


class CaseStatus(StrEnum):
    """Where a case stands in assignment."""

    AWAITING_PRE_ASSIGNMENT = "awaiting_pre_assignment"


@dataclass(frozen=True)
class Case:
    """A registered suggestion as assignment handles it."""

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


def receive_registered(event: SuggestionRegistered, now: datetime) -> Case:
    """A registered suggestion becomes a case awaiting pre-assignment (预交办)."""
    return Case(
        id=event.suggestion_id,
        congress_id=event.congress_id,
        number=event.number,
        title=event.title,
        field=event.field,
        lead_deputy=event.lead_deputy,
        confidential=event.confidential,
        status=CaseStatus.AWAITING_PRE_ASSIGNMENT,
        registered_at=event.registered_at,
        received_at=now,
    )
