"""Who may rate a suggestion's replies. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.intake import DeputyRef, SuggestionRegistered


@dataclass(frozen=True)
class Raters:
    """The deputies who will be asked to rate the replies to one suggestion: lead and co-signers."""

    suggestion_id: str
    congress_id: str
    number: str
    title: str
    lead_deputy: DeputyRef
    co_signers: tuple[DeputyRef, ...]


def raters_of(event: SuggestionRegistered) -> Raters:
    """The raters of a newly registered suggestion."""
    return Raters(
        suggestion_id=event.suggestion_id,
        congress_id=event.congress_id,
        number=event.number,
        title=event.title,
        lead_deputy=event.lead_deputy,
        co_signers=tuple(c for c in event.co_signers if c.id != event.lead_deputy.id),
    )
