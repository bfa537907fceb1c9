"""Where events wait during the end-to-end load: in intake's outbox, or in a service's queue."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from pymongo import AsyncMongoClient

from shared.bus.outbox import OUTBOX_SINCE
from shared.bus.topology import Topology


@dataclass
class BacklogSampler:
    """Samples, every `every_s`: documents with pending outbox entries in a database's collections,
    and messages ready (not yet delivered) in some services' queues."""

    mongo_url: str
    amqp_url: str
    namespace: str
    database: str
    collections: list[str]
    services: list[str]
    every_s: float = 0.5
    samples: dict[str, list[int]] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin sampling in the background."""
        self._task = asyncio.create_task(self._run(), name="backlog-sampler")

    async def stop(self) -> dict[str, dict[str, float]]:
        """Stop; per place, the largest and the mean backlog seen."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return {
            place: {"max": max(values), "mean": round(statistics.fmean(values), 1)}
            for place, values in self.samples.items()
            if values
        }

    async def _run(self) -> None:
        topo = Topology(self.namespace)
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(self.mongo_url, serverSelectionTimeoutMS=3000)
        connection = await aio_pika.connect(self.amqp_url)
        try:
            db = client[self.database]
            channel = await connection.channel()
            while True:
                pending = 0
                for name in self.collections:
                    pending += await db[name].count_documents({OUTBOX_SINCE: {"$exists": True}})
                self.samples.setdefault(f"{self.database} outbox (documents pending)", []).append(pending)
                for service in self.services:
                    try:
                        queue = await channel.declare_queue(topo.queue(service), passive=True)
                    except aio_pika.exceptions.ChannelClosed:
                        channel = await connection.channel()  # a missing queue closes the channel
                        continue
                    ready = queue.declaration_result.message_count or 0
                    self.samples.setdefault(f"{topo.queue(service)} (ready)", []).append(ready)
                await asyncio.sleep(self.every_s)
        finally:
            await connection.close()
            await client.close()
