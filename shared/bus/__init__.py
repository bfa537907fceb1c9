"""The event bus: topology, publisher, outbox relay, idempotent consumer."""

from shared.bus.consumer import EventConsumer, EventHandlers, PermanentError
from shared.bus.outbox import EventFactory, OutboxRelay
from shared.bus.publisher import EventPublisher
from shared.bus.topology import Topology

__all__ = [
    "EventConsumer",
    "EventFactory",
    "EventHandlers",
    "EventPublisher",
    "OutboxRelay",
    "PermanentError",
    "Topology",
]
