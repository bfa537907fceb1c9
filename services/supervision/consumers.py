"""Events supervision consumes: assignment's formal assignments, reassignments and cancellations, and
evaluation's ratings and key-suggestion selections. Each applies once (keyed by the event id)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from services.supervision.domain import cancel, open_case, rated, reassigned
from services.supervision.store import CaseStore, PolicyStore
from shared.bus import EventHandlers
from shared.contracts import Envelope
from shared.contracts.assignment import CaseAssigned, CaseCancelled, CaseReassigned
from shared.contracts.evaluation import CaseRated, KeySuggestionsSelected


class CaseNotOpenedYet(Exception):
    """An event about a case whose assignment has not arrived yet: retried later (then parked)."""


KeyHandler = Callable[[Envelope[KeySuggestionsSelected]], Awaitable[None]]


def build_handlers(
    cases: CaseStore,
    policies: PolicyStore,
    clock: Callable[[], datetime],
    on_key_suggestions_selected: KeyHandler | None = None,
) -> EventHandlers:
    """Supervision's event handlers."""
    handlers = EventHandlers()

    async def on_case_assigned(event: Envelope[CaseAssigned]) -> None:
        """A formally assigned case enters the ledger (keyed by the case id: once)."""
        policy = await policies.get(event.data.congress_id)
        case = open_case(event.data, policy=policy, now=clock())
        trace = {"traceparent": event.traceparent} if event.traceparent else {}
        await cases.add_once(case, policy=policy, event_id=event.id, trace_=trace)

    async def existing(congress_id: str, case_id: str) -> None:
        case = await cases.find(case_id)
        if case is None or case.congress_id != congress_id:
            raise CaseNotOpenedYet(f"case {case_id} of {congress_id} is not in the ledger yet")

    async def on_case_reassigned(event: Envelope[CaseReassigned]) -> None:
        """The ledger follows a reassignment (改办)."""
        data = event.data
        await existing(data.congress_id, data.case_id)
        policy = await policies.get(data.congress_id)
        await cases.change(
            data.congress_id,
            data.case_id,
            lambda c: reassigned(c, data, policy=policy, now=clock()),
            policy=policy,
            event_id=event.id,
        )

    async def on_case_cancelled(event: Envelope[CaseCancelled]) -> None:
        """A case stopped in assignment (merged, passed up, withdrawn) closes here, if it was assigned."""
        data = event.data
        if not data.was_assigned:
            return
        await existing(data.congress_id, data.case_id)
        policy = await policies.get(data.congress_id)
        await cases.change(
            data.congress_id, data.case_id, lambda c: cancel(c, now=clock()), policy=policy, event_id=event.id
        )

    async def on_case_rated(event: Envelope[CaseRated]) -> None:
        """The deputies' result: close, or re-handle with a new deadline, or to the chair meeting."""
        data = event.data
        await existing(data.congress_id, data.case_id)
        policy = await policies.get(data.congress_id)
        await cases.change(
            data.congress_id,
            data.case_id,
            lambda c: rated(
                c,
                round_=data.round,
                result=data.result,
                rated_at=data.rated_at,
                event_id=event.id,
                now=clock(),
                policy=policy,
            ),
            policy=policy,
            event_id=event.id,
        )

    handlers.add(CaseAssigned, on_case_assigned)
    handlers.add(CaseReassigned, on_case_reassigned)
    handlers.add(CaseCancelled, on_case_cancelled)
    handlers.add(CaseRated, on_case_rated)
    if on_key_suggestions_selected is not None:
        handlers.add(KeySuggestionsSelected, on_key_suggestions_selected)
    return handlers
