"""Events intake consumes: suggestions passed up from a lower congress, and the parent's receipt."""

from __future__ import annotations

from services.intake import operations
from services.intake.store import DirectoryStore, SuggestionStore
from shared.bus import EventHandlers
from shared.contracts import Envelope
from shared.contracts.intake import SuggestionPassedUp, TransferReceived


def build_handlers(store: SuggestionStore, directory: DirectoryStore) -> EventHandlers:
    """Intake's event handlers."""
    handlers = EventHandlers()

    async def on_passed_up(event: Envelope[SuggestionPassedUp]) -> None:
        """A lower congress passed a suggestion up: if the parent is served here, it gets its own case."""
        await operations.receive_transfer(store, directory, event.data)

    async def on_transfer_received(event: Envelope[TransferReceived]) -> None:
        """The parent congress created its case: the lower congress's suggestion records what it became."""
        await operations.record_receipt(store, event.data)

    handlers.add(SuggestionPassedUp, on_passed_up)
    handlers.add(TransferReceived, on_transfer_received)
    return handlers
