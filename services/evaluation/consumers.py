"""Events evaluation consumes: one typed function per event, each applied once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.evaluation.domain import raters_of
from services.evaluation.ratings import request
from services.evaluation.store import RaterStore
from services.evaluation.store.ratings import RatingStore
from services.evaluation.store.selections import SelectionStore
from shared.bus import EventHandlers
from shared.contracts import Envelope
from shared.contracts.intake import SuggestionRegistered
from shared.contracts.supervision import CaseReplied


def build_handlers(
    raters: RaterStore, ratings: RatingStore, selections: SelectionStore, clock: Callable[[], datetime]
) -> EventHandlers:
    """Evaluation's event handlers."""
    handlers = EventHandlers()

    async def on_suggestion_registered(event: Envelope[SuggestionRegistered]) -> None:
        """Remember who will rate the replies to a registered suggestion."""
        trace = {"traceparent": event.traceparent} if event.traceparent else {}
        await raters.add_once(raters_of(event.data), event.id, trace)

    async def on_case_replied(event: Envelope[CaseReplied]) -> None:
        """A reply reached the deputies: ask them to rate it (once per case and round); count it for the unit."""
        data = event.data
        if not data.second_reply:
            policy = await ratings.policies.get(data.congress_id)
            trace = {"traceparent": event.traceparent} if event.traceparent else {}
            await ratings.add_once(request(data, now=clock(), policy=policy), trace_=trace)
        await selections.on_replied(event)

    handlers.add(SuggestionRegistered, on_suggestion_registered)
    handlers.add(CaseReplied, on_case_replied)
    selections.register(handlers)
    return handlers
