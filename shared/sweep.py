"""A durable sweep: background work that comes due at stored moments, with no in-memory timers.

A service keeps, in each document that will need work at some moment, that moment in an indexed field;
`DueSweeper` asks the service for the work due now (`run_due(now)`) at start-up, then sleeps until the
next stored moment (`next_due()`) or `interval_seconds`, whichever comes first (so moments stored by
another replica are seen too), and again whenever `wake()` is called. Restarts lose nothing: the moments
are in the database, and work that came due while the service was down is done at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from shared.mongo import PyMongoError

log = logging.getLogger("shared.sweep")


class DueSweeper:
    """Runs `run_due(now)` whenever stored work may be due."""

    def __init__(
        self,
        name: str,
        run_due: Callable[[datetime], Awaitable[int]],
        next_due: Callable[[], Awaitable[datetime | None]],
        clock: Callable[[], datetime],
        *,
        interval_seconds: float,
    ) -> None:
        self.name = name
        self._run_due = run_due
        self._next_due = next_due
        self.clock = clock
        self.interval = interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def run_once(self) -> int:
        """Do the work due now; how many documents changed."""
        return await self._run_due(self.clock())

    def wake(self) -> None:
        """Look again now."""
        self._wake.set()

    async def start(self) -> None:
        """Sweep now, then keep sweeping in the background."""
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        """Stop sweeping."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            delay = self.interval
            try:
                await self.run_once()
                nxt = await self._next_due()
                if nxt is not None:
                    delay = max(0.05, min(delay, (nxt - self.clock()).total_seconds()))
            except PyMongoError as exc:
                log.warning("%s failed (%r); trying again in %.1fs", self.name, exc, delay)
            except Exception:
                log.exception("%s failed; trying again in %.1fs", self.name, delay)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
