"""Events notify consumes: one typed function per event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from services.notify import domain, rules
from services.notify.directory import Directory
from services.notify.domain import Notification
from services.notify.fanout import FanOut
from services.notify.rule_store import RuleStore
from services.notify.ruletable import EMAIL, INBOX, SMS, digest_slot
from services.notify.settings import NotifySettings
from services.notify.store import InboxStore
from services.notify.webhook_store import WebhookStore
from shared.bus import EventHandlers
from shared.contracts import Envelope, registry
from shared.contracts.assignment import (
    CaseAssigned,
    CasePreAssigned,
    CaseReassigned,
    LeaderTookCase,
    NegotiationDecided,
    UnitObjected,
    UnitUpdated,
)
from shared.contracts.envelope import EventData
from shared.contracts.evaluation import BallotOpened, RatingRequested
from shared.contracts.intake import (
    DeputyUpdated,
    OpinionRecorded,
    OpinionTakenUp,
    SuggestionCoSigningRequested,
    SuggestionRegistered,
    SuggestionReturned,
)
from shared.contracts.supervision import (
    CaseReplied,
    CaseUrged,
    ExtensionDecided,
    ExtensionRequested,
    LightChanged,
    ReferredToChair,
    RehandlingStarted,
    ReplySentBack,
    ReplySubmitted,
)

D = TypeVar("D", bound=EventData)


class Rule(Protocol[D]):  # type: ignore[misc]
    """A rule of services.notify.rules: who is told what about one event."""

    def __call__(self, event: D, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]: ...


class ConstituentRule(Protocol[D]):  # type: ignore[misc]
    """A rule that also tells the constituent behind the case (given the opinion id)."""

    def __call__(
        self, event: D, *, event_id: str, portal_url: str, now: datetime, constituent: str | None
    ) -> list[Notification]: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


def build_handlers(
    store: InboxStore,
    settings: NotifySettings,
    directory: Directory,
    webhooks: WebhookStore | None = None,
    fanout: FanOut | None = None,
    rule_store: RuleStore | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> EventHandlers:
    """Notify's event handlers: the rules (through the congress's rule table) and the directory, and — for
    every event type of the suite — the fan-out to integrators' webhook subscriptions."""
    handlers = EventHandlers()

    async def tell(notes: list[Notification], event: Envelope[Any]) -> None:
        """Each notification its rule-table line asks for: into the inbox, then to the people behind it on
        e-mail and SMS (now, or in the day's digest)."""
        if not notes:
            return
        table = await rule_store.table(notes[0].congress_id) if rule_store is not None else None
        data = event.data.model_dump(mode="json")
        now = clock()
        for n in notes:
            if table is None:
                channels: tuple[str, ...] = (INBOX, EMAIL, SMS)
                digest_at = None
            else:
                line = table.send(n.event_type, n.audience)
                if line is None:
                    continue
                channels = line.channels
                digest_at = digest_slot(now, table.digest_time) if line.digest and n.digestible else None
            if INBOX in channels:
                await store.deliver(n)
            if fanout is not None and (EMAIL in channels or SMS in channels):
                await fanout.send(n, data, now=now, channels=channels, digest_at=digest_at)

    def inbox(rule: Rule[D]) -> Callable[[Envelope[D]], Awaitable[None]]:
        async def handle(event: Envelope[D]) -> None:
            await tell(rule(event.data, event_id=event.id, portal_url=settings.portal_url, now=clock()), event)

        handle.__doc__ = rule.__doc__
        return handle

    def with_constituent(rule: ConstituentRule[D]) -> Callable[[Envelope[D]], Awaitable[None]]:
        async def handle(event: Envelope[D]) -> None:
            data: Any = event.data
            opinion = await directory.case_opinion(data.congress_id, data.case_id)
            notes = rule(
                event.data, event_id=event.id, portal_url=settings.portal_url, now=clock(), constituent=opinion
            )
            await tell(notes, event)

        handle.__doc__ = rule.__doc__
        return handle

    async def on_suggestion_registered(event: Envelope[SuggestionRegistered]) -> None:
        """The deputies behind a registered suggestion are told its number (and the constituent behind it)."""
        await directory.remember_opinion(event.data)
        await tell(
            domain.on_registered(event.data, event_id=event.id, portal_url=settings.portal_url, now=clock()), event
        )

    handlers.add(SuggestionRegistered, on_suggestion_registered)
    handlers.add(SuggestionReturned, inbox(domain.on_returned))
    handlers.add(SuggestionCoSigningRequested, inbox(domain.on_co_signing_requested))
    handlers.add(OpinionTakenUp, inbox(domain.on_opinion_taken_up))
    handlers.add(CasePreAssigned, inbox(rules.on_pre_assigned))
    handlers.add(UnitObjected, inbox(rules.on_unit_objected))
    handlers.add(NegotiationDecided, inbox(rules.on_negotiation_decided))
    handlers.add(CaseAssigned, with_constituent(rules.on_assigned))
    handlers.add(CaseReassigned, inbox(rules.on_reassigned))
    handlers.add(LeaderTookCase, inbox(rules.on_leader_assigned))
    handlers.add(CaseUrged, inbox(rules.on_urged))
    handlers.add(LightChanged, inbox(rules.on_light_changed))
    handlers.add(ReplySubmitted, inbox(rules.on_reply_submitted))
    handlers.add(ReplySentBack, inbox(rules.on_reply_sent_back))
    handlers.add(CaseReplied, with_constituent(rules.on_replied))
    handlers.add(ExtensionRequested, inbox(rules.on_extension_requested))
    handlers.add(ExtensionDecided, inbox(rules.on_extension_decided))
    handlers.add(RehandlingStarted, inbox(rules.on_rehandling))
    handlers.add(ReferredToChair, inbox(rules.on_referred_to_chair))
    handlers.add(RatingRequested, inbox(rules.on_rating_requested))
    handlers.add(BallotOpened, inbox(rules.on_ballot_opened))
    handlers.add(DeputyUpdated, directory.on_deputy_updated)
    handlers.add(UnitUpdated, directory.on_unit_updated)
    handlers.add(OpinionRecorded, directory.on_opinion_recorded)
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
