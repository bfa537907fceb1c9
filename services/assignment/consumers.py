"""Events assignment consumes: one typed function per event."""

from __future__ import annotations

from datetime import UTC, datetime

from services.assignment.domain import receive_registered
from services.assignment.store import CaseStore
from shared.bus import EventHandlers
from shared.contracts import Envelope
from shared.contracts.intake import SuggestionRegistered


def build_handlers(store: CaseStore) -> EventHandlers:
    """Assignment's event handlers."""
    handlers = EventHandlers()

    async def on_suggestion_registered(event: Envelope[SuggestionRegistered]) -> None:
        """A registered suggestion becomes a case awaiting pre-assignment."""
        case = receive_registered(event.data, datetime.now(UTC))
        trace = {"traceparent": event.traceparent} if event.traceparent else {}
        await store.add_once(case, event_id=event.id, trace=trace)

    handlers.add(SuggestionRegistered, on_suggestion_registered)
    return handlers
