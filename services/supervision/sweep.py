"""The durable sweep of lights and reminders (三色督办, 催办).

Nothing is kept in memory: each case waiting for its reply carries `next_check_at` — the next moment
its light may change or a reminder falls due — in a sparse index. The sweep runs at start-up, then
sleeps until the next such moment (at most `sweep_seconds`, so work of another replica is seen) and
applies the time to the cases due (`domain.observe`), each in its own conditional write with its
events: a light changes and a reminder goes out exactly once, also across restarts (a reminder's key
is recorded with it). It touches only the cases due, never the whole ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from services.supervision.domain import Case, observe
from services.supervision.policy import Policy
from services.supervision.store import CaseStore, PolicyStore
from shared.mongo import PyMongoError

log = logging.getLogger("supervision.sweep")
BATCH = 500


class Sweeper:
    """Applies the time to the cases whose light or reminders are due."""

    def __init__(
        self, cases: CaseStore, policies: PolicyStore, clock: Callable[[], datetime], *, interval_seconds: float
    ) -> None:
        self.cases = cases
        self.policies = policies
        self.clock = clock
        self.interval = interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def run_once(self) -> int:
        """Observe every case due now; the number of cases changed."""
        changed = 0
        while True:
            now = self.clock()
            due = await self.cases.due(now, BATCH)
            if not due:
                return changed
            policies = await self.policies.get_many({c.congress_id for c in due})

            def rule(case: Case, now: datetime = now, policies: dict[str, Policy] = policies) -> Case:
                return observe(case, now=now, policy=policies[case.congress_id])

            results = await self.cases.change_many(due, rule, policy_of=policies.__getitem__, span="supervision sweep")
            failures = 0
            for case, outcome in results:
                if isinstance(outcome, Exception):
                    failures += 1
                    log.warning("could not apply the time to case %s: %r", case.id, outcome)
                else:
                    changed += 1
            if len(due) < BATCH or failures == len(due):
                return changed

    def wake(self) -> None:
        """Look again now (e.g. after the clock moved in a test)."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="supervision-sweep")

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
                log.warning("sweep failed (%r); trying again in %.1fs", exc, delay)
            except Exception:
                log.exception("sweep failed; trying again in %.1fs", delay)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
