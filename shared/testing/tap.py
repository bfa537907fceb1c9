"""Test fixtures' building blocks shared by every service's tests: a tap on the suite's events exchange,
and a clock the test moves."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aio_pika

Doc = dict[str, Any]


class MovableClock:
    """An app's clock in a test: it stands still until the test moves it (`create_app(..., clock=clock)`)."""

    def __init__(self, now: datetime) -> None:
        self.at = now

    def __call__(self) -> datetime:
        return self.at

    def set(self, now: datetime) -> None:
        """Move the clock (aware datetimes only)."""
        if now.tzinfo is None:
            raise ValueError("aware datetimes only")
        self.at = now.astimezone(UTC)


@dataclass
class EventTap:
    """A queue of the test's own bound to `<namespace>.events` with `#`: every event the suite publishes.

    With `unique`, `events` gives one entry per event id (delivery is at least once: a relay stopped between
    publishing and settling publishes again, and consumers dedupe by the id).
    """

    amqp_url: str
    exchange: str
    unique: bool = False
    seen: list[Doc] = field(default_factory=list)
    _connection: Any = None
    _queue: Any = None

    async def start(self) -> None:
        """Declare and bind the queue (the app declared the exchange at start-up)."""
        self._connection = await aio_pika.connect(self.amqp_url)
        channel = await self._connection.channel()
        self._queue = await channel.declare_queue(f"tap-{uuid.uuid4().hex[:10]}", exclusive=True, auto_delete=True)
        exchange = await channel.get_exchange(self.exchange, ensure=False)
        await self._queue.bind(exchange, routing_key="#")

    async def stop(self) -> None:
        """Close the connection (the queue goes with it)."""
        if self._connection is not None:
            await self._connection.close()

    async def _pull(self) -> None:
        while (message := await self._queue.get(no_ack=True, fail=False)) is not None:
            self.seen.append(json.loads(message.body))

    async def events(self, congress_id: str, *types: str) -> list[Doc]:
        """Events of a congress seen so far (optionally of these types), in the order they arrived."""
        await self._pull()
        found = [e for e in self.seen if e["congressid"] == congress_id and (not types or e["type"] in types)]
        if self.unique:
            return list({e["id"]: e for e in found}.values())
        return found
