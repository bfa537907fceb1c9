"""Publishing events: persistent, with publisher confirms and `mandatory`, trace context in headers."""

from __future__ import annotations

import json
from typing import Any

from faststream.rabbit import RabbitBroker
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from shared.bus.topology import Topology
from shared.contracts.envelope import CONTENT_TYPE
from shared.tracing import CASE_ID, case_scope, context_from, current_trace_context

_tracer = trace.get_tracer("shared.bus")
PUBLISH_TIMEOUT_S = 10.0


class EventPublisher:
    """Publishes serialized envelopes to the events exchange and waits for the broker's confirm."""

    def __init__(self, broker: RabbitBroker, topology: Topology) -> None:
        self.broker = broker
        self.topology = topology

    async def publish(self, event: dict[str, Any], trace_carrier: dict[str, str] | None = None) -> None:
        """Publish one envelope (as stored in an outbox); raise if the broker does not confirm it."""
        routing_key = str(event["type"])
        parent = context_from(trace_carrier or _carrier_of(event))
        with (
            _tracer.start_as_current_span(
                f"{self.topology.exchange} publish",
                context=parent,
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "rabbitmq",
                    "messaging.operation.type": "publish",
                    "messaging.destination.name": self.topology.exchange,
                    "messaging.rabbitmq.destination.routing_key": routing_key,
                    "messaging.message.id": str(event["id"]),
                    "cloudevents.event_type": routing_key,
                },
            ),
            case_scope(str(event["subject"])),
        ):
            headers: dict[str, Any] = {**current_trace_context(), "x-congress-id": str(event["congressid"])}
            body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
            await self.broker.publish(
                body,
                exchange=self.topology.exchange,
                routing_key=routing_key,
                mandatory=True,
                persist=True,
                message_id=str(event["id"]),
                content_type=CONTENT_TYPE,
                headers=headers,
                timeout=PUBLISH_TIMEOUT_S,
            )


def _carrier_of(event: dict[str, Any]) -> dict[str, str]:
    carrier = {k: str(event[k]) for k in ("traceparent", "tracestate") if event.get(k)}
    if event.get("subject"):
        carrier["baggage"] = f"{CASE_ID}={event['subject']}"
    return carrier
