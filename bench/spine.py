"""Outbox → broker → consumer throughput inside one process, through a real ServiceRuntime.

N aggregate documents, each carrying one pending `SuggestionRegistered` outbox entry, are inserted
in bulk before the runtime starts. The runtime's relay then publishes them (with confirms) and its
consumer, bound to the same event type, stores each once (`insert_once`). Measured from the moment
the runtime has started: when the relay's last publish was confirmed and when the last event was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.cpu import CpuMeter, rabbitmq_pid, secantus_pid
from bench.stats import Summary
from shared.bus import EventHandlers, EventPublisher
from shared.bus.outbox import OUTBOX, with_events
from shared.contracts import Envelope
from shared.contracts.intake import SuggestionRegistered
from shared.mongo import insert_once
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.testing.samples import registered

SERVICE = "bench"
AGGREGATES = "aggregates"
HANDLED = "handled"
RETRY_DELAYS_MS = [200, 500]
INSERT_CHUNK = 500
STALL_S = 15.0


class CountingPublisher(EventPublisher):
    """The runtime's publisher, noting when each publish began and when the broker confirmed it."""

    def __init__(self, inner: EventPublisher) -> None:
        super().__init__(inner.broker, inner.topology)
        self.began: list[float] = []
        self.confirmed: list[float] = []

    async def publish(self, event: dict[str, Any], trace_carrier: dict[str, str] | None = None) -> None:
        """Publish as the runtime does; record the times."""
        began = time.perf_counter()
        await super().publish(event, trace_carrier)
        self.began.append(began)
        self.confirmed.append(time.perf_counter())


@dataclass
class SpineResult:
    """What the outbox → broker → consumer run measured."""

    events: int
    prefetch: int
    seed_s: float
    start_s: float
    outcome: str  # "done", "stalled" (no progress for STALL_S) or "timeout"
    published: int
    handled: int
    duplicates: int
    stored_in_db: int
    outbox_left: int
    relay_s: float
    relay_rate: float
    consumer_s: float
    consumer_rate: float
    consumer_after_relay_ms: float
    first_publish_ms: float
    first_stored_ms: float
    publish_confirm: Summary
    relay_between_publishes: Summary
    handler_insert: Summary
    cpu_percent: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """JSON-friendly."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, Summary):
                out[key] = value.as_json()
            elif isinstance(value, float):
                out[key] = None if value != value else round(value, 3)  # NaN → null
            else:
                out[key] = value
        return out


class _Progress:
    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.stored: list[float] = []
        self.insert_s: list[float] = []
        self.duplicates = 0
        self.done = asyncio.Event()

    def note(self, inserted: bool, took: float) -> None:
        self.insert_s.append(took)
        if not inserted:
            self.duplicates += 1
            return
        self.stored.append(time.perf_counter())
        if len(self.stored) >= self.expected:
            self.done.set()


async def _wait(progress: _Progress, publisher: CountingPublisher, timeout_s: float) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    last, last_change = -1, loop.time()
    while not progress.done.is_set():
        now = loop.time()
        seen = len(progress.stored) + len(publisher.confirmed)
        if seen != last:
            last, last_change = seen, now
        if now - last_change > STALL_S:
            return "stalled"
        if now > deadline:
            return "timeout"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(progress.done.wait(), timeout=0.5)
    return "done"


async def run_spine(
    *, mongo_url: str, amqp_url: str, namespace: str, events: int, timeout_s: float = 75.0
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
        began = time.perf_counter()
        inserted = await insert_once(handled, doc)
        progress.note(inserted, time.perf_counter() - began)

    handlers = EventHandlers()
    handlers.add(SuggestionRegistered, on_registered)
    runtime.consume(handlers)

    meter = CpuMeter()
    meter.add("bench process (relay + consumer)", os.getpid())
    meter.add("secantusdb", secantus_pid(mongo_url))
    meter.add("rabbitmq", rabbitmq_pid())

    try:
        seeded = time.perf_counter()
        docs = []
        for n in range(1, events + 1):
            entry = runtime.events.entry(registered(n), subject=f"s-{n}", congress_id="c1")
            docs.append(with_events({"_id": f"s-{n}", "congress_id": "c1"}, [entry]))
        for i in range(0, len(docs), INSERT_CHUNK):
            await runtime.db[AGGREGATES].insert_many(docs[i : i + INSERT_CHUNK], ordered=False)
        seed_s = time.perf_counter() - seeded

        began = time.perf_counter()
        meter.start()
        await runtime.start()
        started = time.perf_counter()  # the relay task exists but has not run yet: it drains from here
        outcome = await _wait(progress, publisher, timeout_s)
        cpu = meter.stop()
        await asyncio.sleep(0.3)  # let the relay pull the last entries from their documents
        outbox_left = await runtime.db[AGGREGATES].count_documents({f"{OUTBOX}.0": {"$exists": True}})
        stored_in_db = await handled.count_documents({})
    finally:
        await runtime.stop()  # also right after a failed start: relay, broker and client close quietly

    confirmed, stored = publisher.confirmed, progress.stored
    publish_s = [c - b for b, c in zip(publisher.began, confirmed, strict=True)]
    # between one confirm and the next publish: the relay's own work ($pull, marker, the batch queries)
    between = [publisher.began[i] - confirmed[i - 1] for i in range(1, len(confirmed))]
    nan = float("nan")
    relay_s = (confirmed[-1] - started) if confirmed else nan
    consumer_s = (stored[-1] - started) if stored else nan
    return SpineResult(
        events=events,
        prefetch=settings.prefetch,
        seed_s=seed_s,
        start_s=started - began,
        outcome=outcome,
        published=len(confirmed),
        handled=len(stored),
        duplicates=progress.duplicates,
        stored_in_db=stored_in_db,
        outbox_left=outbox_left,
        relay_s=relay_s,
        relay_rate=len(confirmed) / relay_s if confirmed else 0.0,
        consumer_s=consumer_s,
        consumer_rate=len(stored) / consumer_s if stored else 0.0,
        consumer_after_relay_ms=1000 * (stored[-1] - confirmed[-1]) if stored and confirmed else nan,
        first_publish_ms=1000 * (confirmed[0] - started) if confirmed else nan,
        first_stored_ms=1000 * (stored[0] - started) if stored else nan,
        publish_confirm=Summary.of_seconds(publish_s),
        relay_between_publishes=Summary.of_seconds(between),
        handler_insert=Summary.of_seconds(progress.insert_s),
        cpu_percent=cpu,
    )
