"""Events notify consumes: one typed function per event."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notify import domain
from services.notify.settings import NotifySettings
from services.notify.store import InboxStore
from shared.bus import EventHandlers
from shared.contracts import Envelope
from shared.contracts.intake import SuggestionCoSigningRequested, SuggestionRegistered, SuggestionReturned


def build_handlers(store: InboxStore, settings: NotifySettings) -> EventHandlers:
    """Notify's event handlers."""
    handlers = EventHandlers()

    async def on_suggestion_registered(event: Envelope[SuggestionRegistered]) -> None:
        """The deputies behind a registered suggestion are told its number."""
        for notification in domain.on_registered(
            event.data, event_id=event.id, portal_url=settings.portal_url, now=datetime.now(UTC)
        ):
            await store.deliver(notification)

    async def on_suggestion_returned(event: Envelope[SuggestionReturned]) -> None:
        """The lead deputy is told the suggestion came back, and why."""
        for n in domain.on_returned(
            event.data, event_id=event.id, portal_url=settings.portal_url, now=datetime.now(UTC)
        ):
            await store.deliver(n)

    async def on_co_signing_requested(event: Envelope[SuggestionCoSigningRequested]) -> None:
        """Deputies asked to co-sign are told."""
        for n in domain.on_co_signing_requested(
            event.data, event_id=event.id, portal_url=settings.portal_url, now=datetime.now(UTC)
        ):
            await store.deliver(n)

    handlers.add(SuggestionRegistered, on_suggestion_registered)
    handlers.add(SuggestionReturned, on_suggestion_returned)
    handlers.add(SuggestionCoSigningRequested, on_co_signing_requested)
    return handlers
