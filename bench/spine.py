"""Outbox → broker → consumer throughput inside one process, through a real ServiceRuntime."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.bus import EventHandlers, EventPublisher
from shared.bus.outbox import OUTBOX
from shared.contracts import Envelope
from shared.contracts.intake import SuggestionRegistered
from shared.mongo import insert_once
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.testing.samples import registered

from bench.cpu import CpuMeter, rabbitmq_pid, secantus_pid

SERVICE = "bench"
AGGREGATES = "aggregates"
HANDLED = "handled"
RETRY_DELAYS_MS = [200, 500]
INSERT_CHUNK = 500

log = logging.getLogger("bench.spine")


class CountingPublisher(EventPublisher):
    """The runtime's publisher, noting when each publish was confirmed by the broker."""

    def __init__(self, inner: EventPublisher) -> None:
        super().__init__(inner.broker, inner.topology)
        self.confirmed: list[float] = []

    async def publish(self, event: dict[str, Any], trace_carrier: dict[str, str] | None = None) -> None:
        """Publish as the runtime does; record the confirm time."""
        await super().publish(event, trace_carrier)
        self.confirmed.append(time.perf_counter())


@dataclass
class SpineResult:
    """What the outbox → broker → consumer run measured."""

    events: int
    prefetch: int
    seed_s: float
    start_s: float
    published: int
    handled: int
    duplicates: int
    stored_in_db: int
    outbox_left: int
    relay_s: float
    relay_rate: float
    consumer_s: float
    consumer_rate: float
    consumer_after_relay_s: float
    first_publish_ms: float
    first_stored_ms: float
    timed_out: bool
    cpu_percent: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """JSON-friendly."""
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


class _Progress:
    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.stored: list[float] = []
        self.duplicates = 0
        self.done = asyncio.Event()

    def note(self, inserted: bool) -> None:
        if not inserted:
            self.duplicates += 1
            return
        self.stored.append(time.perf_counter())
        if len(self.stored) >= self.expected:
            self.done.set()


async def run_spine(
    *, mongo_url: str, amqp_url: str, namespace: str, events: int, timeout_s: float = 90.0
) -> SpineResult:
    """Seed `events` aggregates with one outbox entry each, start a runtime, wait until all are stored."""
    settings = ServiceSettings(
        service_name=SERVICE,
        environment="test",
        mongo_url=mongo_url,
        mongo_db=f"{namespace}-spine",
        amqp_url=amqp_url,
        bus_namespace=namespace,
        retry_delays_ms=RETRY_DELAYS_MS,
        delivery_limit=5,
        outbox_poll_seconds=1.0,
    )
    runtime = ServiceRuntime(settings, outbox_collections=[AGGREGATES])
    publisher = CountingPublisher(runtime.publisher)
    runtime.relay.publisher = publisher
    progress = _Progress(events)
    handled = runtime.db[HANDLED]

    async def on_registered(event: Envelope[SuggestionRegistered]) -> None:
        doc = {"_id": event.id, "suggestion_id": event.data.suggestion_id, "stored_at": datetime.now(UTC)}
        progress.note(await insert_once(handled, doc))

    handlers = EventHandlers()
    handlers.add(SuggestionRegistered, on_registered)
    runtime.consume(handlers)

    meter = CpuMeter()
    meter.add("bench process (relay + consumer)", os.getpid())
    meter.add("secantusdb", secantus_pid(mongo_url))
    meter.add("rabbitmq", rabbitmq_pid())

    seeded = time.perf_counter()
    docs = []
    for n in range(1, events + 1):
        entry = runtime.events.entry(registered(n), subject=f"s-{n}", congress_id="c1")
        docs.append({"_id": f"s-{n}", "congress_id": "c1", OUTBOX: [entry]})
    for i in range(0, len(docs), INSERT_CHUNK):
        await runtime.db[AGGREGATES].insert_many(docs[i : i + INSERT_CHUNK], ordered=False)
    seed_s = time.perf_counter() - seeded

    try:
        began = time.perf_counter()
        meter.start()
        await runtime.start()
        started = time.perf_counter()  # relay task created, not yet run: it drains from here
        timed_out = False
        try:
            await asyncio.wait_for(progress.done.wait(), timeout=timeout_s)
        except TimeoutError:
            timed_out = True
        cpu = meter.stop()
        await asyncio.sleep(0.2)  # let the relay pull the last entries
        outbox_left = await runtime.db[AGGREGATES].count_documents({f"{OUTBOX}.0": {"$exists": True}})
        stored_in_db = await handled.count_documents({})
    finally:
        await runtime.stop()

    confirmed, stored = publisher.confirmed, progress.stored
    relay_s = (confirmed[-1] - started) if confirmed else float("nan")
    consumer_s = (stored[-1] - started) if stored else float("nan")
    return SpineResult(
        events=events,
        prefetch=settings.prefetch,
        seed_s=seed_s,
        start_s=started - began,
        published=len(confirmed),
        handled=len(stored),
        duplicates=progress.duplicates,
        stored_in_db=stored_in_db,
        outbox_left=outbox_left,
        relay_s=relay_s,
        relay_rate=len(confirmed) / relay_s if confirmed else 0.0,
        consumer_s=consumer_s,
        consumer_rate=len(stored) / consumer_s if stored else 0.0,
        consumer_after_relay_s=(stored[-1] - confirmed[-1]) if stored and confirmed else float("nan"),
        first_publish_ms=1000 * (confirmed[0] - started) if confirmed else float("nan"),
        first_stored_ms=1000 * (stored[0] - started) if stored else float("nan"),
        timed_out=timed_out,
        cpu_percent=cpu,
    )
