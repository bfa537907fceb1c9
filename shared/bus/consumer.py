"""Consuming events: typed handlers, explicit acks, retries with back-off, a parking queue.

A handler is a typed async function taking the envelope of one contract. The message is parsed
at the door: a malformed one (bad JSON, unknown type, data that breaks its contract) is parked
at once and the consumer moves on. A handler that raises is retried through the retry queues
with growing delays; after the last one the message is parked. A handler raising PermanentError
parks at once. The message is acked only after its effect is stored, or after a copy of it sits
confirmed in a retry or parking queue. Handlers must be idempotent (at-least-once delivery):
use `apply_once` / `insert_once` from shared.mongo.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from aio_pika import IncomingMessage
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker
from faststream.rabbit.annotations import RabbitMessage
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import ValidationError

from shared.bus.topology import Topology, declare_service_queues
from shared.contracts.envelope import ContractRegistry, Envelope, EventData, UnknownEventType
from shared.contracts.registry import registry as default_registry
from shared.tracing import case_scope, context_from

log = logging.getLogger("shared.bus")
_tracer = trace.get_tracer("shared.bus")

D = TypeVar("D", bound=EventData)
Handler = Callable[[Envelope[Any]], Awaitable[None]]
ATTEMPT_HEADER = "x-attempt"


class PermanentError(Exception):
    """A handler's way to say: this message can never succeed, park it."""


class EventHandlers:
    """The handlers of one service, one per event type."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def add(self, contract: type[D], handler: Callable[[Envelope[D]], Awaitable[None]]) -> None:
        """Route events of `contract` to `handler`."""
        if contract.event_type in self._handlers:
            raise ValueError(f"a handler for {contract.event_type} exists")
        self._handlers[contract.event_type] = handler

    def get(self, event_type: str) -> Handler | None:
        """The handler of an event type, if any."""
        return self._handlers.get(event_type)

    @property
    def routing_keys(self) -> list[str]:
        """The event types handled, which are the queue's bindings."""
        return sorted(self._handlers)


class EventConsumer:
    """One service's consumer on its own queue."""

    def __init__(
        self,
        broker: RabbitBroker,
        topology: Topology,
        service: str,
        handlers: EventHandlers,
        *,
        retry_delays_ms: list[int],
        delivery_limit: int,
        contracts: ContractRegistry = default_registry,
    ) -> None:
        self.broker = broker
        self.topology = topology
        self.service = service
        self.handlers = handlers
        self.retry_delays_ms = list(retry_delays_ms)
        self.delivery_limit = delivery_limit
        self.contracts = contracts

    async def declare(self) -> None:
        """Declare the queue, bindings, dead-letter path and retry queues (the broker must be connected)."""
        await declare_service_queues(
            self.broker,
            self.topology,
            self.service,
            self.handlers.routing_keys,
            self.retry_delays_ms,
            self.delivery_limit,
        )

    def subscribe(self) -> None:
        """Register the subscriber with the broker (before broker.start())."""
        queue = self.topology.service_queue(self.service, self.delivery_limit)

        async def on_message(message: RabbitMessage) -> None:
            await self.handle(message)

        self.broker.subscriber(queue, ack_policy=AckPolicy.MANUAL, no_reply=True)(on_message)

    async def handle(self, message: RabbitMessage) -> None:
        """Parse, dispatch, and settle one message."""
        raw: IncomingMessage = message.raw_message
        headers = dict(raw.headers or {})
        try:
            envelope = self.contracts.parse(raw.body)
        except (ValidationError, UnknownEventType, ValueError) as exc:
            await self._settle_elsewhere(message, raw, self.topology.parking(self.service), "malformed", exc)
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            # bound by an earlier version of this service: nothing here wants it any more
            log.info("no handler for %s in %s; acked", envelope.type, self.service)
            await message.ack()
            return
        attempt = _attempt(headers.get(ATTEMPT_HEADER))
        with (
            _tracer.start_as_current_span(
                f"{self.topology.queue(self.service)} process",
                context=context_from(headers),
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "rabbitmq",
                    "messaging.operation.type": "process",
                    "messaging.destination.name": self.topology.queue(self.service),
                    "messaging.message.id": envelope.id,
                    "cloudevents.event_type": envelope.type,
                    "messaging.attempt": attempt,
                },
            ) as span,
            case_scope(envelope.subject),
        ):
            try:
                await handler(envelope)
            except PermanentError as exc:
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                await self._settle_elsewhere(message, raw, self.topology.parking(self.service), "permanent", exc)
                return
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                log.warning("handler for %s failed (attempt %d): %r", envelope.type, attempt, exc)
                if attempt < len(self.retry_delays_ms):
                    target = self.topology.retry_queue(self.service, self.retry_delays_ms[attempt])
                    await self._settle_elsewhere(message, raw, target, "retry", exc, attempt=attempt + 1)
                else:
                    await self._settle_elsewhere(
                        message, raw, self.topology.parking(self.service), "retries_exhausted", exc
                    )
                return
        await message.ack()

    async def _settle_elsewhere(
        self,
        message: RabbitMessage,
        raw: IncomingMessage,
        queue: str,
        reason: str,
        error: BaseException,
        *,
        attempt: int | None = None,
    ) -> None:
        """Put a confirmed copy in `queue` (retry or parking), then ack the original."""
        headers: dict[str, Any] = dict(raw.headers or {})
        headers["x-service"] = self.service
        # after a trip through a retry queue the message arrives with the queue's name as its key
        headers.setdefault("x-original-routing-key", raw.routing_key or "")
        if attempt is not None:
            headers[ATTEMPT_HEADER] = attempt
        if reason != "retry":
            headers.pop(ATTEMPT_HEADER, None)  # re-queued by an operator, it gets its retries again
            headers["x-parked-reason"] = reason
            headers["x-parked-at"] = datetime.now(UTC).isoformat()
        headers["x-error"] = _describe(error)
        try:
            await self.broker.publish(
                raw.body,
                queue=queue,
                mandatory=True,
                persist=True,
                message_id=raw.message_id,
                content_type=raw.content_type,
                headers=headers,
                timeout=10.0,
            )
        except Exception:
            log.exception("could not move a message to %s; requeueing", queue)
            await asyncio.sleep(1.0)
            await message.nack(requeue=True)
            return
        if reason != "retry":
            log.error("parked a message in %s: %s: %s", queue, reason, headers["x-error"])
        await message.ack()


def _describe(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        return json.dumps(error.errors(include_url=False, include_context=False), default=str)[:2000]
    return f"{type(error).__name__}: {error}"[:2000]


def _attempt(value: object) -> int:
    """The retry count a message carries (0 when absent or unreadable)."""
    try:
        return max(0, int(str(value))) if value is not None else 0
    except ValueError:
        return 0
