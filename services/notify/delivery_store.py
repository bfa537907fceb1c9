"""E-mail and SMS deliveries in MongoDB, and their sending.

`deliveries`: one document per message (`_id` = `<event id>:<recipient id>:<channel>`), with what to
send, its state and the log of its attempts. A delivery waiting for an attempt (`pending`, or a
`sending` one whose lease may run out) carries `next_attempt_at` (sparse index), which `deliver_due`
/ `next_due` read for `shared.sweep.DueSweeper`.

Exactly once, as far as notify can make it:
- enqueueing is idempotent (the `_id`): a redelivered event makes nothing new;
- a sweep claims a delivery before sending it — a conditional update from `pending` (or `sending`
  past its lease) with `next_attempt_at <= now` to `sending`, with a lease and a claim token — so two
  replicas never send the same delivery at the same time, and a late sender whose lease was taken
  over cannot overwrite the new claimant's record;
- a sender that crashes after the SMTP server or the SMS provider took the message and before the
  outcome is recorded leaves the delivery `sending`: once the lease runs out it is due again and is
  sent a second time (the attempt is logged as `interrupted`). That is the one resend notify cannot
  rule out; the e-mail carries the same `Message-ID` both times, so a receiving server or client can
  drop the copy. (An SMS has no such key: the person may get the text twice.)
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from opentelemetry import trace
from pymongo import ASCENDING, DESCENDING, ReturnDocument

from services.notify import deliveries as rules
from services.notify.channels import (
    EmailSender,
    Message,
    PermanentFailure,
    SmsProvider,
    TemporaryFailure,
)
from services.notify.deliveries import Attempt, Channel, DeliveryStatus, Outcome
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events
from shared.contracts.notify import NotificationFailed, NotificationSent
from shared.errors import Conflict, NotFound
from shared.mongo import AsyncDatabase, Doc, PyMongoError, insert_once

DELIVERIES = "deliveries"
# Deliveries looked up at once by a sweep.
BATCH = 100

log = logging.getLogger("services.notify.deliveries")
_tracer = trace.get_tracer("services.notify")


def _ms(at: datetime) -> datetime:
    """A moment as BSON keeps it: to the millisecond."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


class DeliveryStore:
    """The e-mail and SMS deliveries of every congress notify serves, and their sending."""

    def __init__(
        self,
        db: AsyncDatabase[Doc],
        email: EmailSender | None,
        sms: SmsProvider | None,
        *,
        max_attempts: int = rules.MAX_ATTEMPTS,
        delays: tuple[timedelta, ...] = rules.RETRY_DELAYS,
        concurrency: int = rules.CONCURRENCY,
        lease: timedelta = rules.LEASE,
        send_timeout_seconds: float = rules.SEND_TIMEOUT_SECONDS,
    ) -> None:
        self.collection = db[DELIVERIES]
        self.email = email
        self.sms = sms
        self.max_attempts = max_attempts
        self.delays = delays
        self.concurrency = concurrency
        self.lease = lease
        self.send_timeout_seconds = send_timeout_seconds
        # Called when a delivery became due (set it to the sweeper's `wake`).
        self.on_due: Callable[[], None] = lambda: None
        # With both set, a delivery sent or failed for good announces it (notify.notification.sent/failed.v1)
        # through the outbox of its document, in the same update.
        self.events: EventFactory | None = None
        self.relay: OutboxRelay | None = None

    async def ensure_indexes(self) -> None:
        """Create the indexes deliveries rely on."""
        await self.collection.create_index([("next_attempt_at", ASCENDING)], sparse=True, name="next_attempt_at")
        await self.collection.create_index(
            [("congress_id", ASCENDING), ("created_at", DESCENDING)], name="congress_created"
        )
        await self.collection.create_index(
            [("congress_id", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)],
            name="congress_status_created",
        )
        await self.collection.create_index(
            [("congress_id", ASCENDING), ("recipient_id", ASCENDING), ("created_at", DESCENDING)],
            name="congress_recipient_created",
        )

    # --- enqueueing ------------------------------------------------------------------------------

    async def enqueue(self, message: Message, *, now: datetime) -> bool:
        """Store a message to send, due now; False if this delivery exists already (a redelivered event)."""
        at = _ms(now)
        doc: Doc = {
            "_id": message.delivery_id,
            "congress_id": message.congress_id,
            "recipient_id": message.recipient_id,
            "channel": message.channel.value,
            "address": message.address,
            "subject": message.subject,
            "body": message.body,
            "link": message.link,
            "status": DeliveryStatus.PENDING.value,
            "attempt_count": 0,
            "attempts": [],
            "last_error": None,
            "failure_reason": None,
            "provider_id": None,
            "retry_count": 0,
            "created_at": at,
            "updated_at": at,
            "next_attempt_at": at,
            "sent_at": None,
            "failed_at": None,
        }
        made = await insert_once(self.collection, doc)
        if made:
            self.on_due()
        return made

    # --- reading and the operators' retry --------------------------------------------------------

    async def page(
        self,
        congress_id: str,
        *,
        status: DeliveryStatus | None = None,
        channel: Channel | None = None,
        recipient_id: str | None = None,
        skip: int = 0,
        limit: int = 50,
    ) -> tuple[list[Doc], int]:
        """A page of the congress's deliveries, newest first, and how many match."""
        query: Doc = {"congress_id": congress_id}
        if status is not None:
            query["status"] = status.value
        if channel is not None:
            query["channel"] = channel.value
        if recipient_id is not None:
            query["recipient_id"] = recipient_id
        total = await self.collection.count_documents(query)
        cursor = self.collection.find(query).sort([("created_at", DESCENDING), ("_id", ASCENDING)])
        return await cursor.skip(skip).limit(limit).to_list(), total

    async def get(self, congress_id: str, delivery_id: str) -> Doc:
        """One delivery of the congress, or `delivery.not_found`."""
        doc = await self.collection.find_one({"_id": delivery_id, "congress_id": congress_id})
        if doc is None:
            raise NotFound("delivery.not_found", "No such delivery.", delivery_id=delivery_id)
        return doc

    async def retry(self, congress_id: str, delivery_id: str, *, by: str, now: datetime) -> Doc:
        """Put a failed delivery back: due now, with a fresh schedule. Another state is `delivery.not_failed`."""
        at = _ms(now)
        doc = await self.collection.find_one_and_update(
            {"_id": delivery_id, "congress_id": congress_id, "status": DeliveryStatus.FAILED.value},
            {
                "$set": {
                    "status": DeliveryStatus.PENDING.value,
                    "next_attempt_at": at,
                    "attempt_count": 0,
                    "failure_reason": None,
                    "failed_at": None,
                    "retried_at": at,
                    "retried_by": by,
                    "updated_at": at,
                },
                "$inc": {"retry_count": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            current = await self.get(congress_id, delivery_id)
            raise Conflict(
                "delivery.not_failed",
                "Only a failed delivery can be tried again.",
                delivery_id=delivery_id,
                status=current["status"],
            )
        log.info("delivery %s put back by %s", delivery_id, by)
        self.on_due()
        return doc

    # --- the sweep -------------------------------------------------------------------------------

    async def next_due(self) -> datetime | None:
        """The earliest `next_attempt_at` (a pending delivery's attempt, or a sending one's lease end)."""
        doc = await self.collection.find_one(
            {"next_attempt_at": {"$exists": True}}, {"next_attempt_at": 1}, sort=[("next_attempt_at", ASCENDING)]
        )
        return doc["next_attempt_at"] if doc else None

    async def deliver_due(self, now: datetime) -> int:
        """Attempt every delivery due by `now`, at most `concurrency` at once; how many attempts were made
        (or deliveries settled without one)."""
        limit = asyncio.Semaphore(self.concurrency)
        done = 0
        while True:
            docs = (
                await self.collection.find({"next_attempt_at": {"$lte": now}}, {"_id": 1})
                .sort("next_attempt_at", ASCENDING)
                .limit(BATCH)
                .to_list()
            )
            if not docs:
                break
            results = await asyncio.gather(*(self._due_one(d["_id"], now, limit) for d in docs), return_exceptions=True)
            errors = [r for r in results if isinstance(r, BaseException)]
            claimed = sum(1 for r in results if r is True)
            done += claimed
            for error in errors:
                if not isinstance(error, PyMongoError):
                    log.error("delivery failed unexpectedly", exc_info=error)
            if errors:
                raise errors[0]
            if len(docs) < BATCH or claimed == 0:
                break
        return done

    async def claim(self, delivery_id: str, now: datetime) -> tuple[Doc, str] | None:
        """Take a due delivery for sending: `pending` (or `sending` past its lease) with `next_attempt_at <= now`
        becomes `sending` until `now + lease`, with a new claim token and one more attempt counted.
        The document as it was before, and the token; None if it is not due or someone else has it."""
        token = uuid.uuid4().hex
        lease_until = _ms(now + self.lease)
        before = await self.collection.find_one_and_update(
            {
                "_id": delivery_id,
                "status": {"$in": [DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value]},
                "next_attempt_at": {"$lte": now},
            },
            {
                "$set": {
                    "status": DeliveryStatus.SENDING.value,
                    "next_attempt_at": lease_until,
                    "lease_until": lease_until,
                    "claim": token,
                    "updated_at": _ms(now),
                },
                "$inc": {"attempt_count": 1},
            },
            return_document=ReturnDocument.BEFORE,
        )
        return None if before is None else (before, token)

    async def _due_one(self, delivery_id: str, now: datetime, limit: asyncio.Semaphore) -> bool:
        async with limit:
            claimed = await self.claim(delivery_id, now)
            if claimed is None:
                return False
            before, token = claimed
            made = int(before.get("attempt_count", 0))  # attempts before this one
            if before["status"] == DeliveryStatus.SENDING.value:
                # The previous claimant stopped before recording: its attempt may have gone out.
                interrupted = Attempt(
                    at=before.get("updated_at") or _ms(now),  # when it was claimed
                    outcome=Outcome.INTERRUPTED,
                    error="the sender stopped before recording the outcome; the message may have been sent",
                    duration_ms=0,
                )
                log.warning("delivery %s: an earlier attempt was interrupted; sending again", delivery_id)
                if made >= self.max_attempts:
                    await self._settle(
                        delivery_id,
                        token,
                        interrupted,
                        DeliveryStatus.FAILED,
                        now,
                        reason=rules.gave_up_reason(made, interrupted.error),
                        attempt_count=made,
                    )
                    return True
                await self.collection.update_one(
                    {"_id": delivery_id, "claim": token},
                    {"$push": {"attempts": {"$each": [interrupted.as_doc()], "$slice": -rules.ATTEMPTS_KEPT}}},
                )
            attempt = await self._send(_message(before), now)
            made += 1
            if attempt.outcome is Outcome.SENT:
                await self._settle(delivery_id, token, attempt, DeliveryStatus.SENT, now)
            elif attempt.outcome is Outcome.PERMANENT:
                await self._settle(delivery_id, token, attempt, DeliveryStatus.FAILED, now, reason=attempt.error)
            else:
                nxt = rules.next_attempt_at(made, now=now, max_attempts=self.max_attempts, delays=self.delays)
                if nxt is None:
                    reason = rules.gave_up_reason(made, attempt.error)
                    await self._settle(delivery_id, token, attempt, DeliveryStatus.FAILED, now, reason=reason)
                else:
                    await self._settle(delivery_id, token, attempt, DeliveryStatus.PENDING, now, next_at=nxt)
            return True

    async def _send(self, message: Message, now: datetime) -> Attempt:
        """One attempt through the message's channel; never raises for what the server or the provider does."""
        provider_id: str | None = None
        outcome = Outcome.SENT
        error: str | None = None
        with _tracer.start_as_current_span(
            f"notify {message.channel.value} delivery", kind=trace.SpanKind.CLIENT
        ) as span:
            span.set_attribute("notify.delivery_id", message.delivery_id)
            span.set_attribute("notify.channel", message.channel.value)
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.send_timeout_seconds):
                    if message.channel is Channel.EMAIL:
                        if self.email is None:
                            raise PermanentFailure("e-mail is not configured (NOTIFY_SMTP_HOST is empty)")
                        await self.email.send(message)
                        provider_id = self.email.message_id(message)
                    else:
                        if self.sms is None:
                            raise PermanentFailure("SMS is not configured (NOTIFY_SMS_PROVIDER)")
                        provider_id = await self.sms.send(message)
            except TemporaryFailure as exc:
                outcome, error = Outcome.TEMPORARY, exc.reason
            except PermanentFailure as exc:
                outcome, error = Outcome.PERMANENT, exc.reason
            except TimeoutError:
                outcome, error = Outcome.TEMPORARY, f"timeout after {self.send_timeout_seconds:g} s"
            except Exception as exc:  # a bug or an unforeseen error: logged, and tried again by the schedule
                log.exception("delivery %s could not be sent", message.delivery_id)
                outcome, error = Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}"
            duration_ms = int((time.monotonic() - started) * 1000)
            span.set_attribute("notify.outcome", outcome.value)
            if error:
                span.set_status(trace.StatusCode.ERROR, error)
        if error:
            log.warning("delivery %s: %s (%s)", message.delivery_id, outcome.value, error)
        return Attempt(at=_ms(now), outcome=outcome, error=error, duration_ms=duration_ms, provider_id=provider_id)

    async def _announcement(
        self, delivery_id: str, status: DeliveryStatus, at: datetime, *, reason: str | None
    ) -> Doc | None:
        """The outbox entry announcing a delivery sent or failed for good (None when not announcing)."""
        if self.events is None or status not in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
            return None
        doc = await self.collection.find_one(
            {"_id": delivery_id}, {"congress_id": 1, "recipient_id": 1, "channel": 1, "attempt_count": 1}
        )
        if doc is None:
            return None
        return _announce(self.events, doc, status, at, reason)

    async def _settle(
        self,
        delivery_id: str,
        token: str,
        attempt: Attempt,
        status: DeliveryStatus,
        now: datetime,
        *,
        reason: str | None = None,
        next_at: datetime | None = None,
        attempt_count: int | None = None,
    ) -> None:
        """Record the attempt and move the delivery on — only while the claim is still ours."""
        at = _ms(now)
        push = {"attempts": {"$each": [attempt.as_doc()], "$slice": -rules.ATTEMPTS_KEPT}}
        fields: Doc = {"status": status.value, "updated_at": at}
        unset: Doc = {"lease_until": "", "claim": ""}
        if attempt.error:
            fields["last_error"] = attempt.error[: rules.ERROR_CHARS]
        if attempt_count is not None:
            fields["attempt_count"] = attempt_count
        if status is DeliveryStatus.SENT:
            fields |= {"sent_at": at, "provider_id": attempt.provider_id}
            unset["next_attempt_at"] = ""
        elif status is DeliveryStatus.FAILED:
            fields |= {"failed_at": at, "failure_reason": (reason or "failed")[: rules.ERROR_CHARS]}
            unset["next_attempt_at"] = ""
            log.warning("delivery %s failed: %s", delivery_id, fields["failure_reason"])
        else:
            assert next_at is not None
            fields["next_attempt_at"] = _ms(next_at)
        update: Doc = {"$set": fields, "$unset": unset, "$push": push}
        announced = await self._announcement(delivery_id, status, at, reason=fields.get("failure_reason"))
        if announced is not None:
            update = add_events(update, [announced])
        moved = await self.collection.update_one({"_id": delivery_id, "claim": token}, update)
        if announced is not None and moved.matched_count and self.relay is not None:
            self.relay.wake()
        if moved.matched_count == 0:
            # Our lease ran out and another sweep took the delivery over: only log what we did.
            log.warning("delivery %s: the lease ran out during the attempt; recording the attempt only", delivery_id)
            await self.collection.update_one({"_id": delivery_id}, {"$push": push})


def _announce(events: EventFactory, doc: Doc, status: DeliveryStatus, at: datetime, reason: str | None) -> Doc | None:
    common = {
        "congress_id": doc["congress_id"],
        "delivery_id": doc["_id"],
        "recipient_id": doc["recipient_id"],
        "channel": doc["channel"],
        "attempts": int(doc.get("attempt_count", 0)),
    }
    data: NotificationSent | NotificationFailed
    if status is DeliveryStatus.SENT:
        data = NotificationSent(**common, sent_at=at)
    elif status is DeliveryStatus.FAILED:
        data = NotificationFailed(**common, reason=reason or "failed", failed_at=at)
    else:
        return None
    return events.entry(data, subject=f"delivery:{doc['_id']}", congress_id=doc["congress_id"])


def _message(doc: Doc) -> Message:
    return Message(
        delivery_id=doc["_id"],
        congress_id=doc["congress_id"],
        recipient_id=doc["recipient_id"],
        channel=Channel(doc["channel"]),
        address=doc["address"],
        subject=doc["subject"],
        body=doc["body"],
        link=doc.get("link", ""),
    )
