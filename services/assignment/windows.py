"""The durable windows of pre-assignment: a sweep that settles silent units when their window closes.

Nothing is kept in memory: every case with a silent unit carries `next_due_at` (the earliest close of
its open windows, in a sparse index). The sweep runs at start-up, then sleeps until the next close (or
`interval_seconds`, whichever comes first, so windows opened by another replica are seen too) and
settles what is due: the unit has accepted at the moment its window closed (`domain.settle`), and the
acceptance event goes out through the outbox. A restart in between only delays the sweep; the recorded
acceptance time is still the close of the window. Actions on a case settle it first too, so nobody
can object after the close even when the sweep has not come by yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from services.assignment.domain import settle
from services.assignment.store import CaseStore
from shared.mongo import PyMongoError

log = logging.getLogger("assignment.windows")


class WindowSweeper:
    """Settles the pre-assignment windows that closed."""

    def __init__(self, cases: CaseStore, clock: Callable[[], datetime], *, interval_seconds: float) -> None:
        self.cases = cases
        self.clock = clock
        self.interval = interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def run_once(self) -> int:
        """Settle every case due now; the number of cases changed."""
        changed = 0
        while True:
            now = self.clock()
            due = await self.cases.due(now)
            if not due:
                return changed
            results = await self.cases.change_many(due, partial(settle, now=now), span="assignment window closed")
            for case, outcome in results:
                if isinstance(outcome, Exception):
                    log.warning("could not settle the windows of case %s: %r", case.id, outcome)
                else:
                    changed += 1
            if len(due) < 200 or all(isinstance(o, Exception) for _, o in results):
                return changed

    def wake(self) -> None:
        """Look again now (e.g. after the clock moved in a test)."""
        self._wake.set()

    async def start(self) -> None:
        """Sweep now, then keep sweeping in the background."""
        self._task = asyncio.create_task(self._loop(), name="assignment-window-sweep")

    async def stop(self) -> None:
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
                nxt = await self.cases.next_due()
                if nxt is not None:
                    delay = max(0.05, min(delay, (nxt - self.clock()).total_seconds()))
            except PyMongoError as exc:
                log.warning("window sweep failed (%r); trying again in %.1fs", exc, delay)
            except Exception:
                log.exception("window sweep failed; trying again in %.1fs", delay)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
