"""Webhook subscriptions and their deliveries in MongoDB, and the sending itself.

`webhooks`: one document per subscription. `webhook_deliveries`: one per event and subscription
(`<event id>:<subscription id>`), with the body to send, its state and the log of its attempts; a
pending one carries `next_attempt_at` (sparse index), which `deliver_due` / `next_due` read for
`shared.sweep.DueSweeper`. Delivery is at least once: a receiver dedupes by `X-Congress-Webhook-Id`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from opentelemetry import trace
from pymongo import ASCENDING, DESCENDING, ReturnDocument

from services.notify import webhooks as rules
from services.notify.store import InboxStore
from services.notify.webhooks import DeliveryStatus, DisabledReason, SubscriptionStatus
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events
from shared.contracts.envelope import CONTENT_TYPE
from shared.contracts.notify import WebhookDelivered, WebhookFailed
from shared.errors import Conflict, NotFound
from shared.mongo import AsyncDatabase, Doc, PyMongoError, insert_once
from shared.tracing import case_scope, context_from

WEBHOOKS = "webhooks"
WEBHOOK_DELIVERIES = "webhook_deliveries"
# Deliveries looked up at once by a sweep.
BATCH = 100
# Attempts a delivery keeps in its log (the newest).
ATTEMPTS_KEPT = 100
# Bytes of a receiver's answer kept with the attempt.
RESPONSE_EXCERPT_BYTES = 256
USER_AGENT = "congress-notify-webhooks/1"

log = logging.getLogger("services.notify.webhooks")
_tracer = trace.get_tracer("services.notify")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _ms(at: datetime) -> datetime:
    """A moment as BSON keeps it: to the millisecond."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class AttemptResult:
    """What one POST gave: a 2xx (`ok`), another status, or an error (timeout, connection)."""

    at: datetime
    replay: bool
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    response: str


class WebhookStore:
    """Integrators' webhook subscriptions, the fan-out of events to them, and their delivery."""

    def __init__(
        self,
        db: AsyncDatabase[Doc],
        http: httpx.AsyncClient | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        max_attempts: int = rules.MAX_ATTEMPTS,
        disable_after: int = rules.DISABLE_AFTER_FAILURES,
        concurrency: int = rules.CONCURRENCY,
        timeout_seconds: float = rules.REQUEST_TIMEOUT_SECONDS,
        link_base: str = "",
        allow_local_http: bool = True,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.webhooks = db[WEBHOOKS]
        self.deliveries = db[WEBHOOK_DELIVERIES]
        self.inbox = InboxStore(db)  # the owner is told there when a subscription is disabled
        # With both set, a delivery delivered or failed for good announces it (notify.webhook.delivered/failed.v1)
        # through the outbox of its document, in the same update.
        self.events: EventFactory | None = None
        self.relay: OutboxRelay | None = None
        self._owns_http = http is None
        self.http = http if http is not None else httpx.AsyncClient(follow_redirects=False)
        self.clock = clock  # when fan_out makes a delivery due
        self.max_attempts = max_attempts
        self.disable_after = disable_after
        self.concurrency = concurrency
        self.timeout_seconds = timeout_seconds
        self.link_base = link_base.rstrip("/")
        self.allow_local_http = allow_local_http  # plain http to localhost / 127.0.0.1 / [::1]
        self.wall_clock = wall_clock  # the X-Congress-Timestamp: real time, which receivers check
        # Called when deliveries became due (set it to the sweeper's `wake`).
        self.on_due: Callable[[], None] = lambda: None

    async def ensure_indexes(self) -> None:
        """Create the indexes webhooks rely on."""
        await self.webhooks.create_index(
            [("congress_id", ASCENDING), ("owner", ASCENDING), ("created_at", DESCENDING)], name="owner_created"
        )
        await self.webhooks.create_index([("congress_id", ASCENDING), ("status", ASCENDING)], name="congress_status")
        await self.webhooks.create_index([("notice_pending", ASCENDING)], sparse=True, name="notice_pending")
        await self.deliveries.create_index([("next_attempt_at", ASCENDING)], sparse=True, name="next_attempt_at")
        await self.deliveries.create_index(
            [("subscription_id", ASCENDING), ("created_at", DESCENDING)], name="subscription_created"
        )
        await self.deliveries.create_index(
            [("subscription_id", ASCENDING), ("status", ASCENDING)], name="subscription_status"
        )

    async def close(self) -> None:
        """Close the HTTP client if the store made it."""
        if self._owns_http:
            await self.http.aclose()

    # --- subscriptions ---------------------------------------------------------------------------

    async def create(
        self,
        *,
        congress_id: str,
        owner: str,
        url: str,
        event_types: Sequence[str],
        description: str,
        now: datetime,
    ) -> tuple[Doc, str]:
        """A new active subscription and its secret (the only time the secret is returned)."""
        url = rules.check_url(url, allow_local_http=self.allow_local_http)
        types = rules.check_event_types(event_types)
        owned = await self.webhooks.count_documents({"congress_id": congress_id, "owner": owner})
        if owned >= rules.MAX_SUBSCRIPTIONS_PER_OWNER:
            raise Conflict(
                "webhook.limit_reached",
                f"You have {owned} subscriptions; delete one first.",
                limit=rules.MAX_SUBSCRIPTIONS_PER_OWNER,
            )
        at = _ms(now)
        secret = rules.new_secret()
        doc: Doc = {
            "_id": rules.new_subscription_id(),
            "congress_id": congress_id,
            "owner": owner,
            "url": url,
            "event_types": types,
            "description": description.strip(),
            "secret": secret,
            "previous_secret": None,
            "previous_secret_until": None,
            "status": SubscriptionStatus.ACTIVE.value,
            "consecutive_failures": 0,
            "disable_count": 0,
            "disabled_at": None,
            "disabled_reason": None,
            "created_at": at,
            "updated_at": at,
        }
        await self.webhooks.insert_one(doc)
        return doc, secret

    async def page(
        self, congress_id: str, owner: str | None, *, status: SubscriptionStatus | None, skip: int, limit: int
    ) -> tuple[list[Doc], int]:
        """A page of the congress's subscriptions (the owner's only, unless `owner` is None), newest first."""
        query: Doc = {"congress_id": congress_id}
        if owner is not None:
            query["owner"] = owner
        if status is not None:
            query["status"] = status.value
        total = await self.webhooks.count_documents(query)
        cursor = self.webhooks.find(query).sort([("created_at", DESCENDING), ("_id", ASCENDING)])
        return await cursor.skip(skip).limit(limit).to_list(), total

    async def get(self, congress_id: str, owner: str | None, subscription_id: str) -> Doc:
        """One subscription the caller may see (`owner` None: any of the congress), or `webhook.not_found`."""
        doc = await self.webhooks.find_one(_visible(congress_id, owner, subscription_id))
        if doc is None:
            raise NotFound("webhook.not_found", "No such webhook subscription.", webhook_id=subscription_id)
        return doc

    async def delete(self, congress_id: str, owner: str | None, subscription_id: str) -> None:
        """Remove a subscription and its deliveries; nothing more is sent for it."""
        result = await self.webhooks.delete_one(_visible(congress_id, owner, subscription_id))
        if result.deleted_count == 0:
            raise NotFound("webhook.not_found", "No such webhook subscription.", webhook_id=subscription_id)
        await self.deliveries.delete_many({"subscription_id": subscription_id})

    async def disable(self, congress_id: str, owner: str | None, subscription_id: str, now: datetime) -> Doc:
        """Stop a subscription by hand: nothing new is made for it and its pending deliveries pause."""
        await self.get(congress_id, owner, subscription_id)
        at = _ms(now)
        await self.webhooks.update_one(
            {"_id": subscription_id, "status": SubscriptionStatus.ACTIVE.value},
            {
                "$set": {
                    "status": SubscriptionStatus.DISABLED.value,
                    "disabled_at": at,
                    "disabled_reason": DisabledReason.MANUAL.value,
                    "updated_at": at,
                },
                "$inc": {"disable_count": 1},
            },
        )
        await self._pause(subscription_id)
        return await self.get(congress_id, owner, subscription_id)

    async def enable(self, congress_id: str, owner: str | None, subscription_id: str, now: datetime) -> Doc:
        """Start a subscription again: its failure count is reset and paused deliveries are due now."""
        await self.get(congress_id, owner, subscription_id)
        at = _ms(now)
        await self.webhooks.update_one(
            {"_id": subscription_id},
            {
                "$set": {
                    "status": SubscriptionStatus.ACTIVE.value,
                    "consecutive_failures": 0,
                    "disabled_at": None,
                    "disabled_reason": None,
                    "updated_at": at,
                },
                "$unset": {"notice_pending": ""},
            },
        )
        resumed = await self.deliveries.update_many(
            {"subscription_id": subscription_id, "status": DeliveryStatus.PAUSED.value},
            {"$set": {"status": DeliveryStatus.PENDING.value, "next_attempt_at": at}},
        )
        if resumed.modified_count:
            self.on_due()
        return await self.get(congress_id, owner, subscription_id)

    async def rotate_secret(
        self, congress_id: str, owner: str | None, subscription_id: str, now: datetime
    ) -> tuple[Doc, str]:
        """A new secret (returned this once); the old one also signs for `ROTATION_OVERLAP`."""
        doc = await self.get(congress_id, owner, subscription_id)
        secret = rules.new_secret()
        at = _ms(now)
        await self.webhooks.update_one(
            {"_id": subscription_id, "secret": doc["secret"]},
            {
                "$set": {
                    "secret": secret,
                    "previous_secret": doc["secret"],
                    "previous_secret_until": at + rules.ROTATION_OVERLAP,
                    "updated_at": at,
                }
            },
        )
        after = await self.get(congress_id, owner, subscription_id)
        if after["secret"] != secret:
            raise Conflict("webhook.rotation_conflict", "The secret was rotated meanwhile; try again.")
        return after, secret

    # --- deliveries: reading and replay ----------------------------------------------------------

    async def delivery_page(
        self,
        congress_id: str,
        owner: str | None,
        subscription_id: str,
        *,
        status: DeliveryStatus | None,
        skip: int,
        limit: int,
    ) -> tuple[list[Doc], int]:
        """A page of a subscription's deliveries, newest first, with their attempts."""
        await self.get(congress_id, owner, subscription_id)
        query: Doc = {"subscription_id": subscription_id}
        if status is not None:
            query["status"] = status.value
        total = await self.deliveries.count_documents(query)
        cursor = self.deliveries.find(query, {"body": 0}).sort([("created_at", DESCENDING), ("_id", ASCENDING)])
        return await cursor.skip(skip).limit(limit).to_list(), total

    async def delivery(self, congress_id: str, owner: str | None, subscription_id: str, delivery_id: str) -> Doc:
        """One delivery of a subscription the caller may see, or `webhook.delivery_not_found`."""
        await self.get(congress_id, owner, subscription_id)
        doc = await self.deliveries.find_one({"_id": delivery_id, "subscription_id": subscription_id}, {"body": 0})
        if doc is None:
            raise NotFound("webhook.delivery_not_found", "No such delivery.", delivery_id=delivery_id)
        return doc

    async def replay(
        self, congress_id: str, owner: str | None, subscription_id: str, delivery_id: str, now: datetime
    ) -> Doc:
        """Send a delivery again now, whatever its state; logged as a replay. A 2xx makes it delivered;
        a failed replay changes nothing else (no retry is scheduled, the subscription's count stays)."""
        sub = await self.get(congress_id, owner, subscription_id)
        doc = await self.deliveries.find_one({"_id": delivery_id, "subscription_id": subscription_id})
        if doc is None:
            raise NotFound("webhook.delivery_not_found", "No such delivery.", delivery_id=delivery_id)
        result = await self._send(doc, sub, now, replay=True)
        await self._record(doc, sub, result)
        return await self.delivery(congress_id, owner, subscription_id, delivery_id)

    # --- fan-out ---------------------------------------------------------------------------------

    async def fan_out(self, envelope: Mapping[str, Any]) -> int:
        """One delivery per active subscription of the event's congress that wants its type; how many
        were made. Keyed `<event id>:<subscription id>`: a redelivered event makes nothing new."""
        event_id, event_type, congress_id = envelope.get("id"), envelope.get("type"), envelope.get("congressid")
        if not (isinstance(event_id, str) and isinstance(event_type, str) and isinstance(congress_id, str)):
            log.warning("webhook fan-out skipped an envelope without id, type or congressid")
            return 0
        if rules.matches(rules.OWN_EVENTS, event_type):
            return 0
        subs = await self.webhooks.find(
            {"congress_id": congress_id, "status": SubscriptionStatus.ACTIVE.value},
            {"event_types": 1, "owner": 1},
        ).to_list()
        wanted = [s for s in subs if rules.wants(s["event_types"], event_type)]
        if not wanted:
            return 0
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), default=_json_default)
        at = _ms(self.clock())
        made = 0
        for sub in wanted:
            doc: Doc = {
                "_id": rules.delivery_id(event_id, sub["_id"]),
                "congress_id": congress_id,
                "subscription_id": sub["_id"],
                "owner": sub["owner"],
                "event_id": event_id,
                "event_type": event_type,
                "subject": str(envelope.get("subject") or ""),
                "traceparent": envelope.get("traceparent"),
                "body": body,
                "status": DeliveryStatus.PENDING.value,
                "attempt_count": 0,
                "replay_count": 0,
                "attempts": [],
                "created_at": at,
                "next_attempt_at": at,
                "delivered_at": None,
                "failed_at": None,
            }
            made += await insert_once(self.deliveries, doc)
        if made:
            self.on_due()
        return made

    # --- the sweep -------------------------------------------------------------------------------

    async def next_due(self) -> datetime | None:
        """The earliest `next_attempt_at` of any pending delivery."""
        doc = await self.deliveries.find_one(
            {"next_attempt_at": {"$exists": True}}, {"next_attempt_at": 1}, sort=[("next_attempt_at", ASCENDING)]
        )
        return doc["next_attempt_at"] if doc else None

    async def deliver_due(self, now: datetime) -> int:
        """Attempt every delivery due by `now`, at most `concurrency` at once; how many attempts were made
        (or deliveries settled without one: paused, orphaned). Owners of subscriptions disabled
        meanwhile are told, also those a crash left untold."""
        await self._tell_owners()
        limit = asyncio.Semaphore(self.concurrency)
        done = 0
        while True:
            docs = (
                await self.deliveries.find({"next_attempt_at": {"$lte": now}}, {"_id": 1})
                .sort("next_attempt_at", ASCENDING)
                .limit(BATCH)
                .to_list()
            )
            if not docs:
                break
            results = await asyncio.gather(*(self._due_one(d["_id"], now, limit) for d in docs), return_exceptions=True)
            errors = [r for r in results if isinstance(r, BaseException)]
            done += sum(1 for r in results if r is True)
            for error in errors:
                if not isinstance(error, PyMongoError):
                    log.error("webhook delivery failed unexpectedly", exc_info=error)
            if errors:
                raise errors[0]
            if len(docs) < BATCH:
                break
        await self._tell_owners()
        return done

    async def _due_one(self, delivery_id: str, now: datetime, limit: asyncio.Semaphore) -> bool:
        async with limit:
            # Claim it: another sweep (another replica) leaves it alone until the claim runs out.
            doc = await self.deliveries.find_one_and_update(
                {"_id": delivery_id, "status": DeliveryStatus.PENDING.value, "next_attempt_at": {"$lte": now}},
                {"$set": {"next_attempt_at": _ms(now + timedelta(seconds=rules.CLAIM_SECONDS))}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:
                return False
            sub = await self.webhooks.find_one({"_id": doc["subscription_id"]})
            if sub is None:  # deleted meanwhile
                await self.deliveries.delete_one({"_id": delivery_id})
                return True
            if sub["status"] != SubscriptionStatus.ACTIVE.value:
                await self._pause(sub["_id"])
                return True
            result = await self._send(doc, sub, now, replay=False)
            await self._record(doc, sub, result)
            return True

    async def _send(self, doc: Doc, sub: Doc, now: datetime, *, replay: bool) -> AttemptResult:
        """POST the stored body, signed; never raises for what the receiver or the network does."""
        body = doc["body"].encode()
        timestamp = int(self.wall_clock())
        signing = rules.signing_secrets(
            sub["secret"], sub.get("previous_secret"), sub.get("previous_secret_until"), now
        )
        headers = {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": USER_AGENT,
            "X-Congress-Webhook-Id": doc["_id"],
            "X-Congress-Timestamp": str(timestamp),
            "X-Congress-Signature": rules.signature_header(signing, timestamp, body),
        }
        traceparent = doc.get("traceparent")
        parent = context_from({"traceparent": traceparent} if traceparent else None)
        status_code: int | None = None
        error: str | None = None
        excerpt = b""
        with (
            _tracer.start_as_current_span(
                "notify webhook delivery", context=parent, kind=trace.SpanKind.CLIENT
            ) as span,
            case_scope(doc.get("subject") or doc["event_id"]),
        ):
            span.set_attribute("webhook.id", sub["_id"])
            span.set_attribute("webhook.delivery_id", doc["_id"])
            span.set_attribute("webhook.replay", replay)
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.timeout_seconds):
                    async with self.http.stream(
                        "POST",
                        sub["url"],
                        content=body,
                        headers=headers,
                        timeout=self.timeout_seconds,
                        follow_redirects=False,
                    ) as response:
                        status_code = response.status_code
                        async for chunk in response.aiter_bytes():
                            excerpt += chunk
                            if len(excerpt) >= RESPONSE_EXCERPT_BYTES:
                                break
            # What went wrong after the status line came back (reading the excerpt) does not change the answer.
            except (TimeoutError, httpx.TimeoutException):
                if status_code is None:
                    error = f"timeout after {self.timeout_seconds:g} s"
            except httpx.HTTPError as exc:
                if status_code is None:
                    error = f"{type(exc).__name__}: {exc}"[:300] if str(exc) else type(exc).__name__
            except Exception as exc:  # e.g. a URL httpx will not send to; logged, and a failed attempt
                log.exception("webhook delivery %s could not be sent", doc["_id"])
                if status_code is None:
                    error = f"{type(exc).__name__}: {exc}"[:300]
            duration_ms = int((time.monotonic() - started) * 1000)
            ok = rules.is_success(status_code)
            if status_code is not None:
                span.set_attribute("http.response.status_code", status_code)
                if not ok:
                    error = f"HTTP {status_code}"
            if not ok:
                span.set_status(trace.StatusCode.ERROR, error or "")
        return AttemptResult(
            at=_ms(now),
            replay=replay,
            ok=ok,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
            response=excerpt[:RESPONSE_EXCERPT_BYTES].decode("utf-8", errors="replace"),
        )

    async def _record(self, doc: Doc, sub: Doc, result: AttemptResult) -> None:
        """Log the attempt on the delivery and move the delivery and the subscription on."""
        entry = asdict(result)
        push = {"attempts": {"$each": [entry], "$slice": -ATTEMPTS_KEPT}}
        counter = "replay_count" if result.replay else "attempt_count"
        if result.ok:
            done: Doc = {
                "$push": push,
                "$inc": {counter: 1},
                "$set": {"status": DeliveryStatus.DELIVERED.value, "delivered_at": result.at},
                "$unset": {"next_attempt_at": ""},
            }
            first = doc.get("status") != DeliveryStatus.DELIVERED.value
            if self.events is not None and first:
                data = WebhookDelivered(
                    congress_id=doc["congress_id"],
                    delivery_id=doc["_id"],
                    subscription_id=doc["subscription_id"],
                    event_type_delivered=doc["event_type"],
                    attempts=int(doc.get("attempt_count", 0)) + (0 if result.replay else 1),
                    delivered_at=result.at,
                )
                done = add_events(done, [self._entry(data, doc)])
            await self.deliveries.update_one({"_id": doc["_id"]}, done)
            self._wake_relay()
            await self.webhooks.update_one(
                {"_id": sub["_id"], "status": SubscriptionStatus.ACTIVE.value, "consecutive_failures": {"$gt": 0}},
                {"$set": {"consecutive_failures": 0}},
            )
            log.info("webhook delivery %s delivered (%s)", doc["_id"], result.status_code)
            return
        if result.replay:
            await self.deliveries.update_one({"_id": doc["_id"]}, {"$push": push, "$inc": {counter: 1}})
            return
        attempts = int(doc.get("attempt_count", 0)) + 1
        nxt = rules.next_attempt_after_failure(attempts, now=result.at, key=doc["_id"], max_attempts=self.max_attempts)
        if nxt is None:
            move: Doc = {
                "$set": {"status": DeliveryStatus.FAILED.value, "failed_at": result.at},
                "$unset": {"next_attempt_at": ""},
            }
            if self.events is not None:
                data_failed = WebhookFailed(
                    congress_id=doc["congress_id"],
                    delivery_id=doc["_id"],
                    subscription_id=doc["subscription_id"],
                    event_type_delivered=doc["event_type"],
                    attempts=attempts,
                    reason=(result.error or f"HTTP {result.status_code}")[:500],
                    failed_at=result.at,
                )
                move = add_events(move, [self._entry(data_failed, doc)])
            log.warning("webhook delivery %s gave up after %d attempts (%s)", doc["_id"], attempts, result.error)
        else:
            move = {"$set": {"next_attempt_at": _ms(nxt)}}
        moved = await self.deliveries.update_one(
            {"_id": doc["_id"], "status": DeliveryStatus.PENDING.value},
            {**move, "$push": push, "$inc": {counter: 1}},
        )
        if nxt is None and moved.matched_count:
            self._wake_relay()
        if moved.matched_count == 0:  # paused (or deleted) while it was being sent: only log the attempt
            await self.deliveries.update_one({"_id": doc["_id"]}, {"$push": push, "$inc": {counter: 1}})
        await self._count_failure(sub["_id"], result.at)

    def _entry(self, data: WebhookDelivered | WebhookFailed, doc: Doc) -> Doc:
        assert self.events is not None
        return self.events.entry(data, subject=f"delivery:{doc['_id']}", congress_id=doc["congress_id"])

    def _wake_relay(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    async def _count_failure(self, subscription_id: str, now: datetime) -> None:
        """One more failed attempt in a row; at the threshold the subscription is disabled."""
        after = await self.webhooks.find_one_and_update(
            {"_id": subscription_id, "status": SubscriptionStatus.ACTIVE.value},
            {"$inc": {"consecutive_failures": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if after is None or not rules.should_disable(after["consecutive_failures"], self.disable_after):
            return
        disabled = await self.webhooks.find_one_and_update(
            {"_id": subscription_id, "status": SubscriptionStatus.ACTIVE.value},
            {
                "$set": {
                    "status": SubscriptionStatus.DISABLED.value,
                    "disabled_at": now,
                    "disabled_reason": DisabledReason.FAILURES.value,
                    "updated_at": now,
                    "notice_pending": True,
                },
                "$inc": {"disable_count": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if disabled is not None:
            log.warning(
                "webhook %s disabled after %d failed attempts in a row", subscription_id, after["consecutive_failures"]
            )
            await self._tell_owner(disabled)

    async def _tell_owners(self) -> None:
        """Finish disablings a crash interrupted: pause their deliveries and tell their owners."""
        for sub in await self.webhooks.find({"notice_pending": True}).to_list(BATCH):
            await self._tell_owner(sub)

    async def _tell_owner(self, sub: Doc) -> None:
        """Pause the disabled subscription's deliveries and put the notice in its owner's inbox (once)."""
        await self._pause(sub["_id"])
        notice = rules.disabled_notice(
            subscription_id=sub["_id"],
            congress_id=sub["congress_id"],
            owner=sub["owner"],
            url=sub["url"],
            description=sub.get("description", ""),
            failures=int(sub.get("consecutive_failures", 0)),
            disable_count=int(sub.get("disable_count", 1)),
            link=f"{self.link_base}/webhooks/{sub['_id']}",
            now=sub.get("disabled_at") or _ms(self.clock()),
        )
        await self.inbox.deliver(notice)
        await self.webhooks.update_one({"_id": sub["_id"]}, {"$unset": {"notice_pending": ""}})

    async def _pause(self, subscription_id: str) -> None:
        await self.deliveries.update_many(
            {"subscription_id": subscription_id, "status": DeliveryStatus.PENDING.value},
            {"$set": {"status": DeliveryStatus.PAUSED.value}, "$unset": {"next_attempt_at": ""}},
        )


def _visible(congress_id: str, owner: str | None, subscription_id: str) -> Doc:
    query: Doc = {"_id": subscription_id, "congress_id": congress_id}
    if owner is not None:
        query["owner"] = owner
    return query


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
