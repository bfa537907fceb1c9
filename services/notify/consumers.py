"""Events notify consumes: one typed function per event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from services.notify import domain, rules
from services.notify.directory import Directory
from services.notify.domain import Notification
from services.notify.fanout import FanOut
from services.notify.settings import NotifySettings
from services.notify.store import InboxStore
from services.notify.webhook_store import WebhookStore
from shared.bus import EventHandlers
from shared.contracts import Envelope, registry
from shared.contracts.assignment import CaseAssigned, CasePreAssigned, CaseReassigned, UnitUpdated
from shared.contracts.envelope import EventData
from shared.contracts.evaluation import RatingRequested
from shared.contracts.intake import (
    DeputyUpdated,
    SuggestionCoSigningRequested,
    SuggestionRegistered,
    SuggestionReturned,
)
from shared.contracts.supervision import CaseReplied, CaseUrged, LightChanged, RehandlingStarted

D = TypeVar("D", bound=EventData)


class Rule(Protocol[D]):  # type: ignore[misc]
    """A rule of services.notify.rules: who is told what about one event."""

    def __call__(self, event: D, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]: ...


def build_handlers(
    store: InboxStore,
    settings: NotifySettings,
    directory: Directory,
    webhooks: WebhookStore | None = None,
    fanout: FanOut | None = None,
) -> EventHandlers:
    """Notify's event handlers: the inbox rules and the directory, and — for every event type of the suite —
    the fan-out to integrators' webhook subscriptions."""
    handlers = EventHandlers()

    async def tell(notes: list[Notification], event: Envelope[Any]) -> None:
        """Each notification into its inbox, then to the people behind it on their other channels."""
        data = event.data.model_dump(mode="json")
        for n in notes:
            await store.deliver(n)
            if fanout is not None:
                await fanout.send(n, data, now=datetime.now(UTC))

    async def on_suggestion_registered(event: Envelope[SuggestionRegistered]) -> None:
        """The deputies behind a registered suggestion are told its number."""
        await tell(
            domain.on_registered(event.data, event_id=event.id, portal_url=settings.portal_url, now=datetime.now(UTC)),
            event,
        )

    async def on_suggestion_returned(event: Envelope[SuggestionReturned]) -> None:
        """The lead deputy is told the suggestion came back, and why."""
        await tell(
            domain.on_returned(event.data, event_id=event.id, portal_url=settings.portal_url, now=datetime.now(UTC)),
            event,
        )

    async def on_co_signing_requested(event: Envelope[SuggestionCoSigningRequested]) -> None:
        """Deputies asked to co-sign are told."""
        await tell(
            domain.on_co_signing_requested(
                event.data, event_id=event.id, portal_url=settings.portal_url, now=datetime.now(UTC)
            ),
            event,
        )

    def inbox(rule: Rule[D]) -> Callable[[Envelope[D]], Awaitable[None]]:
        async def handle(event: Envelope[D]) -> None:
            await tell(
                rule(event.data, event_id=event.id, portal_url=settings.portal_url, now=datetime.now(UTC)), event
            )

        handle.__doc__ = rule.__doc__
        return handle

    handlers.add(CasePreAssigned, inbox(rules.on_pre_assigned))
    handlers.add(CaseAssigned, inbox(rules.on_assigned))
    handlers.add(CaseReassigned, inbox(rules.on_reassigned))
    handlers.add(CaseUrged, inbox(rules.on_urged))
    handlers.add(LightChanged, inbox(rules.on_light_changed))
    handlers.add(CaseReplied, inbox(rules.on_replied))
    handlers.add(RehandlingStarted, inbox(rules.on_rehandling))
    handlers.add(RatingRequested, inbox(rules.on_rating_requested))
    handlers.add(DeputyUpdated, directory.on_deputy_updated)
    handlers.add(UnitUpdated, directory.on_unit_updated)
    handlers.add(SuggestionRegistered, on_suggestion_registered)
    handlers.add(SuggestionReturned, on_suggestion_returned)
    handlers.add(SuggestionCoSigningRequested, on_co_signing_requested)
    if webhooks is None:
        return handlers
    return _with_webhooks(handlers, webhooks)


def _with_webhooks(specific: EventHandlers, webhooks: WebhookStore) -> EventHandlers:
    """Every contract of the suite bound: its own handler (if any), then the webhook fan-out."""
    out = EventHandlers()
    for contract in registry.all():
        own = specific.get(contract.event_type)

        async def handle(event: Envelope[Any], own: Any = own) -> None:
            if own is not None:
                await own(event)
            await webhooks.fan_out(event.model_dump(mode="json"))

        out.add(contract, handle)
    return out
