"""Helpers the tests share: settings for a namespace, running an app in-process, tokens, waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aio_pika
import httpx
from fastapi import FastAPI

from shared.auth import Role, issue_token
from shared.bus.topology import Topology
from shared.settings import ServiceSettings
from shared.testing.servers import Servers

S = TypeVar("S", bound=ServiceSettings)
T = TypeVar("T")

SERVICES = ["intake", "assignment", "supervision", "evaluation", "notify"]
TEST_SECRET = "test-secret-not-for-production-0123456789"


def settings_for(cls: type[S], servers: Servers, namespace: str, **overrides: Any) -> S:
    """Settings of a service pointed at the test servers, isolated by namespace."""
    service = cls.model_fields["service_name"].default
    values: dict[str, Any] = {
        "environment": "test",
        "mongo_url": servers.mongo_url,
        "mongo_db": f"{namespace}-{service}",
        "amqp_url": servers.amqp_url,
        "bus_namespace": namespace,
        "jwt_secret": TEST_SECRET,
        "retry_delays_ms": [200, 500],
        "outbox_poll_seconds": 1.0,
        "delivery_limit": 5,
    }
    values.update(overrides)
    return cls(**values)


def token(
    settings: ServiceSettings,
    subject: str,
    *roles: Role,
    congress_id: str = "c1",
    name: str = "",
    unit_id: str | None = None,
    station_id: str | None = None,
) -> dict[str, str]:
    """An Authorization header for a principal."""
    jwt = issue_token(
        settings,
        subject=subject,
        congress_id=congress_id,
        roles=list(roles),
        name=name,
        unit_id=unit_id,
        station_id=station_id,
    )
    return {"Authorization": f"Bearer {jwt}"}


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (Mongo, broker, relay, consumer) and give an HTTP client to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 20.0, interval: float = 0.1) -> T:
    """Poll `check` until it returns a truthy value (or stops raising AssertionError); return it."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: BaseException | None = None
    while True:
        try:
            value = await check()
            if value:
                return value
        except AssertionError as exc:
            last = exc
        if asyncio.get_running_loop().time() > deadline:
            if last:
                raise last
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)


async def delete_namespace(amqp_url: str, namespace: str) -> None:
    """Remove every exchange and queue a test namespace declared on the broker."""
    topo = Topology(namespace)
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        queues = [topo.unrouted]
        for service in SERVICES:
            queues += [topo.queue(service), topo.parking(service)]
            queues += [topo.retry_queue(service, d) for d in (200, 500, 1_000, 5_000, 30_000, 120_000)]
        for name in queues:
            await channel.queue_delete(name)
        for name in [topo.exchange, topo.unrouted, *(topo.dead_letter_exchange(s) for s in SERVICES)]:
            await channel.exchange_delete(name)
    finally:
        await connection.close()


async def queue_messages(amqp_url: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Take every message now in a queue (acked: the queue is emptied)."""
    connection = await aio_pika.connect(amqp_url)
    out = []
    try:
        channel = await connection.channel()
        q = await channel.get_queue(queue, ensure=False)
        while (message := await q.get(fail=False, no_ack=True)) is not None:
            out.append(message)
    finally:
        await connection.close()
    return out
