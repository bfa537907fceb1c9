"""Leave nothing behind: the bench namespaces' exchanges and queues, and their databases."""

from __future__ import annotations

import contextlib

import aio_pika
from pymongo import AsyncMongoClient

from bench.spine import RETRY_DELAYS_MS, SERVICE
from shared.bus.topology import Topology
from shared.testing.helpers import SERVICES, delete_namespace


async def queue_depths(amqp_url: str, namespace: str) -> dict[str, int]:
    """Messages now in the namespace's parking queues and its unrouted queue (the ones that exist)."""
    topo = Topology(namespace)
    names = [topo.unrouted, *(topo.parking(s) for s in SERVICES)]
    out: dict[str, int] = {}
    connection = await aio_pika.connect(amqp_url)
    try:
        for name in names:
            channel = await connection.channel()  # a passive declare of a missing queue closes its channel
            with contextlib.suppress(aio_pika.exceptions.ChannelClosed):
                queue = await channel.declare_queue(name, passive=True)
                count = queue.declaration_result.message_count or 0
                if count:
                    out[name] = count
            with contextlib.suppress(Exception):
                await channel.close()
    finally:
        await connection.close()
    return out


async def _delete_bench_service(amqp_url: str, namespace: str) -> None:
    """The queues and exchange of the spine's own runtime (not one of the five services)."""
    topo = Topology(namespace)
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        for name in [
            topo.queue(SERVICE),
            topo.parking(SERVICE),
            *(topo.retry_queue(SERVICE, d) for d in RETRY_DELAYS_MS),
        ]:
            await channel.queue_delete(name)
        await channel.exchange_delete(topo.dead_letter_exchange(SERVICE))
    finally:
        await connection.close()


async def cleanup(*, amqp_url: str, mongo_url: str, namespaces: list[str], db_prefix: str) -> list[str]:
    """Delete every namespace on the broker and drop the databases starting with `db_prefix`.

    Each step is tried even when an earlier one failed; the failures are returned.
    """
    problems: list[str] = []
    for namespace in namespaces:
        try:
            await _delete_bench_service(amqp_url, namespace)
            await delete_namespace(amqp_url, namespace)
        except Exception as exc:  # report it and go on with the rest
            problems.append(f"broker namespace {namespace}: {exc!r}")
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    try:
        for name in await client.list_database_names():
            if name.startswith(db_prefix):
                await client.drop_database(name)
    except Exception as exc:
        problems.append(f"databases {db_prefix}*: {exc!r}")
    finally:
        await client.close()
    return problems
