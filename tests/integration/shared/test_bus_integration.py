"""The bus against the real broker and database: outbox, retries, parking, unrouted events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aio_pika

from shared.bus import PermanentError
from shared.bus.consumer import EventHandlers
from shared.bus.outbox import with_events
from shared.contracts import Envelope, new_envelope
from shared.contracts.intake import SuggestionRegistered
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.testing.helpers import eventually, queue_messages
from shared.testing.samples import registered
from shared.testing.servers import Servers


class ProbeSettings(ServiceSettings):
    service_name: str = "notify"  # a queue name the namespace cleanup knows


def settings(servers: Servers, namespace: str) -> ProbeSettings:
    return ProbeSettings(
        mongo_url=servers.mongo_url,
        mongo_db=f"{namespace}-probe",
        amqp_url=servers.amqp_url,
        bus_namespace=namespace,
        retry_delays_ms=[200, 500],
        outbox_poll_seconds=1.0,
        delivery_limit=5,
    )


async def publish_raw(servers: Servers, exchange: str, routing_key: str, body: bytes) -> None:
    """Publish as any producer on the broker might, with the CloudEvents id as message id when there is one."""
    try:
        message_id = json.loads(body).get("id")
    except ValueError:
        message_id = None
    connection = await aio_pika.connect(servers.amqp_url)
    try:
        channel = await connection.channel()
        ex = await channel.get_exchange(exchange)
        await ex.publish(
            aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=message_id), routing_key
        )
    finally:
        await connection.close()


async def test_outbox_events_reach_the_consumer_once_each(servers: Servers, namespace: str) -> None:
    seen: list[str] = []
    handlers = EventHandlers()

    async def on_registered(event: Envelope[SuggestionRegistered]) -> None:
        seen.append(event.data.number)

    handlers.add(SuggestionRegistered, on_registered)
    runtime = ServiceRuntime(settings(servers, namespace), outbox_collections=["aggregates"])
    runtime.consume(handlers)
    await runtime.start()
    try:
        for n in range(1, 21):
            entry = runtime.events.entry(registered(n), subject=f"s-{n}", congress_id="c1")
            await runtime.db["aggregates"].insert_one(with_events({"_id": f"s-{n}"}, [entry]))
        runtime.relay.wake()
        await eventually(lambda: asyncio.sleep(0, len(seen) >= 20), timeout=20)
        await asyncio.sleep(0.5)
        assert sorted(seen) == sorted(f"15-2-{n:04d}" for n in range(1, 21))
        assert await runtime.db["aggregates"].count_documents({"outbox.0": {"$exists": True}}) == 0
        assert await runtime.db["aggregates"].count_documents({"outbox_since": {"$exists": True}}) == 0
    finally:
        await runtime.stop()


async def test_events_pending_before_start_go_out_at_start(servers: Servers, namespace: str) -> None:
    """A crash after the write and before the publish: the next start publishes."""
    s = settings(servers, namespace)
    seen: list[str] = []
    handlers = EventHandlers()

    async def on_registered(event: Envelope[SuggestionRegistered]) -> None:
        seen.append(event.id)

    handlers.add(SuggestionRegistered, on_registered)
    writer = ServiceRuntime(s, outbox_collections=["aggregates"])
    entry = writer.events.entry(registered(), subject="s-1", congress_id="c1")
    await writer.db["aggregates"].insert_one(with_events({"_id": "s-1"}, [entry]))
    await writer.mongo.close()  # the writer "crashed": never published

    runtime = ServiceRuntime(s, outbox_collections=["aggregates"])
    runtime.consume(handlers)
    await runtime.start()
    try:
        await eventually(lambda: asyncio.sleep(0, seen == [entry["id"]]), timeout=20)
    finally:
        await runtime.stop()


async def test_malformed_message_is_parked_and_the_consumer_serves_the_next(servers: Servers, namespace: str) -> None:
    seen: list[str] = []
    handlers = EventHandlers()

    async def on_registered(event: Envelope[SuggestionRegistered]) -> None:
        seen.append(event.data.number)

    handlers.add(SuggestionRegistered, on_registered)
    runtime = ServiceRuntime(settings(servers, namespace), outbox_collections=[])
    runtime.consume(handlers)
    await runtime.start()
    try:
        key = SuggestionRegistered.event_type
        exchange = runtime.topology.exchange
        await publish_raw(servers, exchange, key, b"{not json")
        bad_data = new_envelope(registered(), source="/t", subject="s-1", congress_id="c1").model_dump(mode="json")
        del bad_data["data"]["number"]
        await publish_raw(servers, exchange, key, json.dumps(bad_data).encode())
        good = new_envelope(registered(7), source="/t", subject="s-7", congress_id="c1")
        await publish_raw(servers, exchange, key, good.model_dump_json().encode())

        await eventually(lambda: asyncio.sleep(0, seen == ["15-2-0007"]), timeout=20)
        parked = await eventually(lambda: _messages(servers, runtime.topology.parking("notify"), 2), timeout=20)
        reasons = [m.headers["x-parked-reason"] for m in parked]
        assert reasons == ["malformed", "malformed"]
        assert all(m.headers["x-original-routing-key"] == key for m in parked)
        assert "number" in str(parked[1].headers["x-error"])
        assert parked[0].body == b"{not json"
    finally:
        await runtime.stop()


async def test_failing_handler_is_retried_with_back_off_then_succeeds(servers: Servers, namespace: str) -> None:
    attempts: list[float] = []
    handlers = EventHandlers()

    async def flaky(event: Envelope[SuggestionRegistered]) -> None:
        attempts.append(asyncio.get_running_loop().time())
        if len(attempts) < 3:
            raise ConnectionError("the database blinked")

    handlers.add(SuggestionRegistered, flaky)
    runtime = ServiceRuntime(settings(servers, namespace), outbox_collections=[])
    runtime.consume(handlers)
    await runtime.start()
    try:
        good = new_envelope(registered(), source="/t", subject="s-1", congress_id="c1")
        await publish_raw(servers, runtime.topology.exchange, good.type, good.model_dump_json().encode())
        await eventually(lambda: asyncio.sleep(0, len(attempts) == 3), timeout=20)
        # the retry queues wait 200 ms, then 500 ms
        assert attempts[1] - attempts[0] >= 0.18
        assert attempts[2] - attempts[1] >= 0.45
        await asyncio.sleep(1.0)
        assert len(attempts) == 3
        assert await queue_messages(servers.amqp_url, runtime.topology.parking("notify")) == []
    finally:
        await runtime.stop()


async def test_handler_that_never_succeeds_is_parked_after_the_retries(servers: Servers, namespace: str) -> None:
    attempts: list[int] = []
    handlers = EventHandlers()

    async def broken(event: Envelope[SuggestionRegistered]) -> None:
        attempts.append(1)
        raise RuntimeError("bug")

    async def refuses(event: Envelope[Any]) -> None:
        raise PermanentError("this can never work")

    handlers.add(SuggestionRegistered, broken)
    runtime = ServiceRuntime(settings(servers, namespace), outbox_collections=[])
    runtime.consume(handlers)
    await runtime.start()
    try:
        good = new_envelope(registered(), source="/t", subject="s-1", congress_id="c1")
        await publish_raw(servers, runtime.topology.exchange, good.type, good.model_dump_json().encode())
        parked = await eventually(lambda: _messages(servers, runtime.topology.parking("notify"), 1), timeout=20)
        assert len(attempts) == 3  # first try + two retries
        assert parked[0].headers["x-parked-reason"] == "retries_exhausted"
        assert "RuntimeError: bug" in str(parked[0].headers["x-error"])
        assert parked[0].message_id == good.id
    finally:
        await runtime.stop()
    # PermanentError parks at once
    runtime = ServiceRuntime(settings(servers, namespace), outbox_collections=[])
    h2 = EventHandlers()
    h2.add(SuggestionRegistered, refuses)
    runtime.consume(h2)
    await runtime.start()
    try:
        await publish_raw(servers, runtime.topology.exchange, good.type, good.model_dump_json().encode())
        parked = await eventually(lambda: _messages(servers, runtime.topology.parking("notify"), 1), timeout=20)
        assert parked[0].headers["x-parked-reason"] == "permanent"
    finally:
        await runtime.stop()


async def test_event_nobody_binds_lands_in_the_unrouted_queue(servers: Servers, namespace: str) -> None:
    runtime = ServiceRuntime(settings(servers, namespace), outbox_collections=["aggregates"])
    await runtime.start()  # no handlers: declares the exchange only
    try:
        entry = runtime.events.entry(registered(), subject="s-1", congress_id="c1")
        await runtime.db["aggregates"].insert_one(with_events({"_id": "s-1"}, [entry]))
        runtime.relay.wake()
        unrouted = await eventually(lambda: _messages(servers, runtime.topology.unrouted, 1), timeout=20)
        assert json.loads(unrouted[0].body)["id"] == entry["id"]
    finally:
        await runtime.stop()


_buffer: dict[str, list[aio_pika.abc.AbstractIncomingMessage]] = {}


async def _messages(servers: Servers, queue: str, n: int) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Accumulate what arrives in a queue until there are n messages."""
    got = _buffer.setdefault(queue, [])
    got.extend(await queue_messages(servers.amqp_url, queue))
    if len(got) >= n:
        return _buffer.pop(queue)
    return []
