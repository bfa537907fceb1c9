"""The durable sweep of lights and reminders (三色督办, 催办).

Nothing is kept in memory: each case waiting for its reply carries `next_check_at` — the next moment
its light may change or a reminder falls due — in a sparse index. The sweep (`shared.sweep.DueSweeper`)
runs at start-up, then sleeps until the next such moment (at most `sweep_seconds`, so work of another
replica is seen) and applies the time to the cases due (`domain.observe`), each in its own conditional
write with its events: a light changes and a reminder goes out exactly once, also across restarts (a
reminder's key is recorded with it). It touches only the cases due, never the whole ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from services.supervision.domain import Case, observe
from services.supervision.policy import Policy
from services.supervision.store import CaseStore, PolicyStore
from shared.sweep import DueSweeper

log = logging.getLogger("supervision.sweep")
BATCH = 500


async def observe_due(cases: CaseStore, policies: PolicyStore, now: datetime) -> int:
    """Apply the time to every case due by `now`; the number of cases changed."""
    changed = 0
    while True:
        due = await cases.due(now, BATCH)
        if not due:
            return changed
        rules = await policies.get_many({c.congress_id for c in due})

        def rule(case: Case, rules: dict[str, Policy] = rules) -> Case:
            return observe(case, now=now, policy=rules[case.congress_id])

        results = await cases.change_many(due, rule, policy_of=rules.__getitem__, span="supervision sweep")
        failures = 0
        for case, outcome in results:
            if isinstance(outcome, Exception):
                failures += 1
                log.warning("could not apply the time to case %s: %r", case.id, outcome)
            else:
                changed += 1
        if len(due) < BATCH or failures == len(due):
            return changed


def sweeper(
    cases: CaseStore, policies: PolicyStore, clock: Callable[[], datetime], *, interval_seconds: float
) -> DueSweeper:
    """The background sweep of lights and reminders."""
    return DueSweeper(
        "supervision-sweep",
        partial(observe_due, cases, policies),
        cases.next_due,
        clock,
        interval_seconds=interval_seconds,
    )
