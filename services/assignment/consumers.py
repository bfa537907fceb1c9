"""Events assignment consumes: one typed function per event. Each applies once (keyed by the event id)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Literal

from services.assignment.domain import Case, cancel, receive_registered
from services.assignment.store import CaseStore
from shared.bus import EventHandlers
from shared.contracts import Envelope
from shared.contracts.intake import (
    SuggestionFacts,
    SuggestionPassedUp,
    SuggestionRegistered,
    SuggestionsMerged,
    SuggestionWithdrawn,
)


class CaseNotReceivedYet(Exception):
    """An event about a case whose registration has not arrived yet: retried later (then parked)."""


def build_handlers(store: CaseStore, clock: Callable[[], datetime]) -> EventHandlers:
    """Assignment's event handlers."""
    handlers = EventHandlers()

    async def on_suggestion_registered(event: Envelope[SuggestionRegistered]) -> None:
        """A registered suggestion becomes a case awaiting pre-assignment."""
        case = receive_registered(event.data, clock())
        trace = {"traceparent": event.traceparent} if event.traceparent else {}
        await store.add_once(case, event_id=event.id, trace=trace)

    async def stop(
        data: SuggestionFacts,
        event_id: str,
        reason: Literal["merged", "withdrawn", "passed_up"],
        merged_into: str | None = None,
        case_id: str | None = None,
        *,
        must_exist: bool,
    ) -> None:
        target = case_id or data.suggestion_id
        case = await store.find(target)
        if case is None or case.congress_id != data.congress_id:
            if must_exist:
                raise CaseNotReceivedYet(f"case {target} of {data.congress_id} is not here yet")
            return
        await store.change(
            data.congress_id,
            target,
            lambda c: cancel(c, reason=reason, merged_into=merged_into, now=clock()),
            event_id=event_id,
        )

    async def on_suggestion_withdrawn(event: Envelope[SuggestionWithdrawn]) -> None:
        """Withdrawn before registration: there is no case, unless one arrived anyway; then it stops here."""
        await stop(event.data, event.id, "withdrawn", must_exist=False)

    async def on_suggestion_passed_up(event: Envelope[SuggestionPassedUp]) -> None:
        """Passed up to the parent congress (转报): the parent handles it; the case stops here."""
        await stop(event.data, event.id, "passed_up", must_exist=True)

    async def on_suggestions_merged(event: Envelope[SuggestionsMerged]) -> None:
        """Merged (并案): the others stop here and are handled as this case, which lists them."""
        data = event.data
        primary = data.suggestion_id
        for other in data.merged:
            if other != primary:
                await stop(data, event.id, "merged", merged_into=primary, case_id=other, must_exist=True)

        def absorb(case: Case) -> Case:
            ids = tuple(dict.fromkeys([*case.merged_from, *(m for m in data.merged if m != primary)]))
            if ids == case.merged_from:
                return case
            return replace(case, merged_from=ids, revision=case.revision + 1)

        if await store.find(primary) is None:
            raise CaseNotReceivedYet(f"case {primary} of {data.congress_id} is not here yet")
        await store.change(data.congress_id, primary, absorb, event_id=event.id)

    handlers.add(SuggestionRegistered, on_suggestion_registered)
    handlers.add(SuggestionWithdrawn, on_suggestion_withdrawn)
    handlers.add(SuggestionPassedUp, on_suggestion_passed_up)
    handlers.add(SuggestionsMerged, on_suggestions_merged)
    return handlers
