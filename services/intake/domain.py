"""The rules of a suggestion before it is handed out. No I/O here."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shared.contracts.envelope import EventData
from shared.contracts.intake import DeputyRef, SuggestionRegistered, SuggestionSubmitted
from shared.errors import Conflict, Invalid

TITLE_MAX = 200
BODY_MIN = 20
BODY_MAX = 20_000
CO_SIGNERS_MAX = 200


class SuggestionStatus(StrEnum):
    """Where a suggestion stands."""

    SUBMITTED = "submitted"
    REGISTERED = "registered"


class SuggestionKind(StrEnum):
    """When it was raised: during the session (大会期间) or in recess (闭会期间)."""

    SESSION = "session"
    RECESS = "recess"


class Origin(StrEnum):
    """Where it came from."""

    DEPUTY = "deputy"
    LIAISON_STATION = "liaison_station"
    DEPUTIES_FORUM = "deputies_forum"
    MOTION = "motion"
    LOWER_CONGRESS = "lower_congress"


@dataclass(frozen=True)
class Suggestion:
    """A deputy's suggestion (建议)."""

    id: str
    congress_id: str
    session: str
    title: str
    body: str
    field: str
    kind: SuggestionKind
    origin: Origin
    lead_deputy: DeputyRef
    co_signers: tuple[DeputyRef, ...]
    confidential: bool
    status: SuggestionStatus
    submitted_at: datetime
    number: str | None = None
    sequence: int | None = None
    registered_at: datetime | None = None
    registered_by: str | None = None
    version: int = 1
    events: tuple[EventData, ...] = dataclasses.field(default=(), compare=False)

    def authors(self) -> set[str]:
        """Ids of the lead deputy and co-signers."""
        return {self.lead_deputy.id, *(c.id for c in self.co_signers)}


def submit(
    *,
    congress_id: str,
    session: str,
    title: str,
    body: str,
    field_: str,
    kind: SuggestionKind,
    origin: Origin,
    lead_deputy: DeputyRef,
    co_signers: list[DeputyRef],
    confidential: bool,
    allowed_fields: list[str],
    now: datetime,
) -> Suggestion:
    """A deputy submits a suggestion; it awaits review."""
    title, body = title.strip(), body.strip()
    if not title:
        raise Invalid("suggestion.title_missing", "The title is missing.")
    if len(title) > TITLE_MAX:
        raise Invalid("suggestion.title_too_long", f"The title is longer than {TITLE_MAX} characters.")
    if len(body) < BODY_MIN:
        raise Invalid("suggestion.body_too_short", f"The body is shorter than {BODY_MIN} characters.")
    if len(body) > BODY_MAX:
        raise Invalid("suggestion.body_too_long", f"The body is longer than {BODY_MAX} characters.")
    if field_ not in allowed_fields:
        raise Invalid("suggestion.field_unknown", "The field is not one this congress uses.", allowed=allowed_fields)
    signers: dict[str, DeputyRef] = {}
    for signer in co_signers:
        if signer.id != lead_deputy.id:
            signers.setdefault(signer.id, signer)
    if len(signers) > CO_SIGNERS_MAX:
        raise Invalid("suggestion.too_many_co_signers", f"At most {CO_SIGNERS_MAX} co-signers.")
    suggestion = Suggestion(
        id=str(uuid.uuid4()),
        congress_id=congress_id,
        session=session,
        title=title,
        body=body,
        field=field_,
        kind=kind,
        origin=origin,
        lead_deputy=lead_deputy,
        co_signers=tuple(signers.values()),
        confidential=confidential,
        status=SuggestionStatus.SUBMITTED,
        submitted_at=now,
    )
    return replace(suggestion, events=(SuggestionSubmitted(**_facts(suggestion), submitted_at=now),))


def format_number(session: str, sequence: int) -> str:
    """The registration number shown to people: session code and a zero-padded sequence."""
    return f"{session}-{sequence:04d}"


def register(suggestion: Suggestion, *, sequence: int, by: str, now: datetime) -> Suggestion:
    """Staff register a submitted suggestion under the next number of its congress and session (登记)."""
    if suggestion.status is SuggestionStatus.REGISTERED:
        raise Conflict(
            "suggestion.already_registered", "The suggestion is registered already.", number=suggestion.number
        )
    if suggestion.status is not SuggestionStatus.SUBMITTED:
        raise Conflict("suggestion.not_submitted", "Only a submitted suggestion can be registered.")
    if sequence < 1:
        raise Invalid("suggestion.sequence_invalid", "Sequences start at 1.")
    number = format_number(suggestion.session, sequence)
    registered = replace(
        suggestion,
        status=SuggestionStatus.REGISTERED,
        number=number,
        sequence=sequence,
        registered_at=now,
        registered_by=by,
        version=suggestion.version + 1,
    )
    event = SuggestionRegistered(
        **_facts(registered), number=number, sequence=sequence, registered_at=now, registered_by=by
    )
    return replace(registered, events=(event,))


def _facts(s: Suggestion) -> dict[str, object]:
    return {
        "suggestion_id": s.id,
        "congress_id": s.congress_id,
        "session": s.session,
        "title": s.title,
        "field": s.field,
        "kind": s.kind.value,
        "origin": s.origin.value,
        "lead_deputy": s.lead_deputy,
        "co_signers": list(s.co_signers),
        "confidential": s.confidential,
    }
