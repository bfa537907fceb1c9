"""The durable windows of pre-assignment: a sweep that settles silent units when their window closes.

Nothing is kept in memory: every case with a silent unit carries `next_due_at` (the earliest close of
its open windows, in a sparse index). The sweep (`shared.sweep.DueSweeper`) runs at start-up, then sleeps
until the next close (or `interval_seconds`, whichever comes first, so windows opened by another replica
are seen too) and settles what is due: the unit has accepted at the moment its window closed
(`domain.settle`), and the acceptance event goes out through the outbox. A restart in between only
delays the sweep; the recorded acceptance time is still the close of the window. Actions on a case
settle it first too, so nobody can object after the close even when the sweep has not come by yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from services.assignment.domain import settle
from services.assignment.store import CaseStore
from shared.sweep import DueSweeper

log = logging.getLogger("assignment.windows")
BATCH = 200


async def settle_due(cases: CaseStore, now: datetime) -> int:
    """Settle every case due by `now`; the number of cases changed."""
    changed = 0
    while True:
        due = await cases.due(now, BATCH)
        if not due:
            return changed
        results = await cases.change_many(due, partial(settle, now=now), span="assignment window closed")
        failures = 0
        for case, outcome in results:
            if isinstance(outcome, Exception):
                failures += 1
                log.warning("could not settle the windows of case %s: %r", case.id, outcome)
            else:
                changed += 1
        if len(due) < BATCH or failures == len(due):
            return changed


def window_sweeper(cases: CaseStore, clock: Callable[[], datetime], *, interval_seconds: float) -> DueSweeper:
    """The background sweep of the pre-assignment windows."""
    return DueSweeper(
        "assignment-window-sweep", partial(settle_due, cases), cases.next_due, clock, interval_seconds=interval_seconds
    )
