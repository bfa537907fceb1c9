"""Names and declarations of the exchanges and queues of one suite on a broker.

    <ns>.events                 topic exchange, durable; every domain event, routing key = event type
      └ alternate exchange ─→ <ns>.events.unrouted (fanout) ─→ queue <ns>.events.unrouted
    <ns>.<service>              quorum queue per consuming service, bound to the types it handles;
                                dead-letters (rejects, delivery limit) to <ns>.<service>.dlx
    <ns>.<service>.dlx          fanout exchange ─→ <ns>.<service>.parking (quorum)
    <ns>.<service>.retry.<ms>   quorum queues with a message TTL that dead-letter back to <ns>.<service>

Nothing is dropped silently: an event nobody is bound to lands in the unrouted queue, a message
that can never be handled lands in the parking queue with the reason in its headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

UNROUTED_MAX_LENGTH = 1_000_000


@dataclass(frozen=True)
class Topology:
    """The names of one suite's exchanges and queues, under a namespace."""

    namespace: str

    @property
    def exchange(self) -> str:
        """The topic exchange of domain events."""
        return f"{self.namespace}.events"

    @property
    def unrouted(self) -> str:
        """Alternate exchange and queue for events no queue is bound to."""
        return f"{self.namespace}.events.unrouted"

    def queue(self, service: str) -> str:
        """A consuming service's own queue."""
        return f"{self.namespace}.{service}"

    def dead_letter_exchange(self, service: str) -> str:
        """Where a service's queue dead-letters."""
        return f"{self.namespace}.{service}.dlx"

    def parking(self, service: str) -> str:
        """Messages that can never succeed, kept for an operator."""
        return f"{self.namespace}.{service}.parking"

    def retry_queue(self, service: str, delay_ms: int) -> str:
        """A waiting room that returns messages to the service queue after `delay_ms`."""
        return f"{self.namespace}.{service}.retry.{delay_ms}"

    def events_exchange(self) -> RabbitExchange:
        """The declaration of the topic exchange (with its alternate exchange)."""
        return RabbitExchange(
            self.exchange, type=ExchangeType.TOPIC, durable=True, arguments={"alternate-exchange": self.unrouted}
        )

    def service_queue(self, service: str, delivery_limit: int) -> RabbitQueue:
        """The declaration of a service's main queue."""
        return RabbitQueue(
            self.queue(service),
            queue_type=QueueType.QUORUM,
            arguments=_quorum_args(
                {
                    "x-dead-letter-exchange": self.dead_letter_exchange(service),
                    "x-delivery-limit": delivery_limit,
                }
            ),
        )


def _quorum_args(extra: dict[str, Any]) -> Any:
    # at-least-once dead-lettering needs reject-publish overflow (RabbitMQ >= 3.10)
    return {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish", **extra}


async def declare_events_exchange(broker: RabbitBroker, topology: Topology) -> None:
    """Declare the topic exchange, its alternate exchange and the unrouted queue."""
    unrouted_exchange = await broker.declare_exchange(
        RabbitExchange(topology.unrouted, type=ExchangeType.FANOUT, durable=True)
    )
    unrouted_queue = await broker.declare_queue(
        RabbitQueue(
            topology.unrouted,
            queue_type=QueueType.QUORUM,
            # a record for operators, bounded: the oldest go first past a million events
            arguments={"x-max-length": UNROUTED_MAX_LENGTH, "x-overflow": "drop-head"},
        )
    )
    await unrouted_queue.bind(unrouted_exchange, routing_key="")
    await broker.declare_exchange(topology.events_exchange())


async def declare_service_queues(
    broker: RabbitBroker,
    topology: Topology,
    service: str,
    routing_keys: list[str],
    retry_delays_ms: list[int],
    delivery_limit: int,
) -> None:
    """Declare a service's queue with its bindings, its dead-letter path and its retry queues."""
    await declare_events_exchange(broker, topology)
    dlx = await broker.declare_exchange(
        RabbitExchange(topology.dead_letter_exchange(service), type=ExchangeType.FANOUT, durable=True)
    )
    parking = await broker.declare_queue(RabbitQueue(topology.parking(service), queue_type=QueueType.QUORUM))
    await parking.bind(dlx, routing_key="")
    events = await broker.declare_exchange(topology.events_exchange())
    queue = await broker.declare_queue(topology.service_queue(service, delivery_limit))
    for key in routing_keys:
        await queue.bind(events, routing_key=key)
    for delay in retry_delays_ms:
        await broker.declare_queue(
            RabbitQueue(
                topology.retry_queue(service, delay),
                queue_type=QueueType.QUORUM,
                arguments=_quorum_args(
                    {
                        "x-message-ttl": delay,
                        "x-dead-letter-exchange": "",
                        "x-dead-letter-routing-key": topology.queue(service),
                    }
                ),
            )
        )
