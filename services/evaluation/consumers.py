"""Events evaluation consumes: one typed function per event."""

from __future__ import annotations

from services.evaluation.domain import raters_of
from services.evaluation.store import RaterStore
from shared.bus import EventHandlers
from shared.contracts import Envelope
from shared.contracts.intake import SuggestionRegistered


def build_handlers(store: RaterStore) -> EventHandlers:
    """Evaluation's event handlers."""
    handlers = EventHandlers()

    async def on_suggestion_registered(event: Envelope[SuggestionRegistered]) -> None:
        """Remember who will rate the replies to a registered suggestion."""
        trace = {"traceparent": event.traceparent} if event.traceparent else {}
        await store.add_once(raters_of(event.data), event.id, trace)

    handlers.add(SuggestionRegistered, on_suggestion_registered)
    return handlers
