"""Routing proposals (拟办) against labelled suggestions: `python -m bench.routing`.

`bench/data/routing_cases.jsonl` holds realistic suggestions of a city congress (all nine fields),
each labelled with the unit whose duties it truly is (lead, 主办) and its co-units (协办), for the
units of `services.assignment.units_seed`. Two modes:

- **cold**: a router with the units' duties only, no past decision;
- **learning**: the cases in a fixed shuffled order; each is proposed *before* its own decision is
  recorded (online evaluation), then staff's true decision is recorded. Accuracy over all cases and
  over the last half (when about half the set is history). The same over ten other orders, averaged,
  says how much one order's luck weighs.

Top-1: the first proposal is the true lead; top-3: the true lead is among the three shown. Also:
the cold figures for the cases whose text does not name the lead unit (by one of its aliases, e.g.
"教育部门"); the cold figures with the units' duty paragraphs alone (no keywords, no aliases: what a
registry pasted from published 三定 texts would give); the co-units' precision and recall in the
learning run; and milliseconds per proposal (tokenizing included).

The registry, the labelled set and the router's few parameters were written and set by the same
hand, so these figures are an optimistic reading for one city; see the "limits" in the report.
"""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench.stats import percentile
from services.assignment.routing import PastDecision, Router, UnitProfile
from services.assignment.units_seed import seed_units
from shared.similarity import tokenize

CASES = Path(__file__).resolve().parent / "data" / "routing_cases.jsonl"
SEED = 20250301
EXTRA_ORDERS = 10


@dataclass(frozen=True)
class LabelledCase:
    """A suggestion with the decision staff should reach."""

    id: str
    title: str
    body: str
    field: str
    lead_unit_id: str
    co_unit_ids: tuple[str, ...]


def load_cases(path: Path = CASES) -> list[LabelledCase]:
    """The labelled suggestions, in file order."""
    cases: list[LabelledCase] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            cases.append(
                LabelledCase(
                    id=row["id"],
                    title=row["title"],
                    body=row["body"],
                    field=row["field"],
                    lead_unit_id=row["lead_unit_id"],
                    co_unit_ids=tuple(row["co_unit_ids"]),
                )
            )
    return cases


def names_lead(case: LabelledCase, unit: UnitProfile) -> bool:
    """Whether the suggestion's text calls the lead unit by name or alias (e.g. "建议教育部门……")."""
    text = case.title + case.body
    return any(alias in text for alias in (unit.name, *unit.aliases))


@dataclass
class _Tally:
    top1: int = 0
    top3: int = 0
    seen: int = 0

    def add(self, ranked: list[str], truth: str) -> None:
        self.seen += 1
        self.top1 += bool(ranked) and ranked[0] == truth
        self.top3 += truth in ranked[:3]

    def rates(self) -> tuple[float, float]:
        return (self.top1 / self.seen, self.top3 / self.seen) if self.seen else (0.0, 0.0)


def _propose(router: Router, case: LabelledCase, timings: list[float] | None = None) -> tuple[list[str], list[str]]:
    started = time.perf_counter()
    result = router.propose(case.title, case.body, case.field, top=3)
    if timings is not None:
        timings.append((time.perf_counter() - started) * 1000.0)
    return [p.unit_id for p in result.proposals], [c.unit_id for c in result.co_units]


def _record(router: Router, case: LabelledCase) -> None:
    router.record(
        PastDecision(
            case_id=case.id,
            title=case.title,
            body=case.body,
            lead_unit_id=case.lead_unit_id,
            co_unit_ids=case.co_unit_ids,
            field=case.field,
        )
    )


def _learning(
    units: list[UnitProfile], order: list[LabelledCase], timings: list[float] | None = None
) -> dict[str, float]:
    router = Router(units)
    overall, last_half = _Tally(), _Tally()
    co_shown = co_right = co_true = co_found = 0
    half = len(order) // 2
    for i, case in enumerate(order):
        ranked, co_units = _propose(router, case, timings)
        overall.add(ranked, case.lead_unit_id)
        if i >= half:
            last_half.add(ranked, case.lead_unit_id)
            # Co-units are judged when the lead is right: they are proposed for the first proposal.
            if ranked and ranked[0] == case.lead_unit_id:
                co_shown += len(co_units)
                co_right += len(set(co_units) & set(case.co_unit_ids))
                co_true += len(case.co_unit_ids)
                co_found += len(set(co_units) & set(case.co_unit_ids))
        _record(router, case)
    top1, top3 = overall.rates()
    half1, half3 = last_half.rates()
    return {
        "top1": top1,
        "top3": top3,
        "last_half_top1": half1,
        "last_half_top3": half3,
        "co_precision": co_right / co_shown if co_shown else 0.0,
        "co_recall": co_found / co_true if co_true else 0.0,
    }


def run(path: Path = CASES, seed: int = SEED) -> dict[str, float]:
    """Top-1 and top-3 accuracy of the lead-unit proposal, cold and learning, and ms per proposal."""
    tokenize("预热")  # loads jieba's dictionary outside the timings
    cases = load_cases(path)
    units = seed_units()
    by_id = {u.id: u for u in units}
    timings: list[float] = []

    cold = Router(units)
    cold_all, cold_unnamed = _Tally(), _Tally()
    for case in cases:
        ranked, _ = _propose(cold, case, timings)
        cold_all.add(ranked, case.lead_unit_id)
        if not names_lead(case, by_id[case.lead_unit_id]):
            cold_unnamed.add(ranked, case.lead_unit_id)

    order = list(cases)
    random.Random(seed).shuffle(order)
    learning = _learning(units, order, timings)

    others: list[dict[str, float]] = []
    for k in range(EXTRA_ORDERS):
        shuffled = list(cases)
        random.Random(seed + 1 + k).shuffle(shuffled)
        others.append(_learning(units, shuffled))

    plain = Router([dataclasses.replace(u, keywords=(), aliases=()) for u in units])
    plain_all = _Tally()
    for case in cases:
        ranked, _ = _propose(plain, case)
        plain_all.add(ranked, case.lead_unit_id)

    # The time to propose units for 1,000 cases (what POST /proposals does for a 集中交办 of that size):
    # a router holding every labelled decision as history, proposing for 1,000 cases in turn.
    history = Router(units)
    for case in cases:
        _record(history, case)
    thousand = [cases[i % len(cases)] for i in range(1000)]
    started = time.perf_counter()
    for case in thousand:
        history.propose(case.title, case.body, case.field, top=3)
    propose_1000 = time.perf_counter() - started
    started = time.perf_counter()
    rebuilt = Router(units)
    for case in cases:
        _record(rebuilt, case)
    build_seconds = time.perf_counter() - started

    cold1, cold3 = cold_all.rates()
    plain1, plain3 = plain_all.rates()
    unnamed1, unnamed3 = cold_unnamed.rates()
    return {
        "cases": float(len(cases)),
        "units": float(len(units)),
        "fields": float(len({c.field for c in cases})),
        "cold_top1": cold1,
        "cold_top3": cold3,
        "unnamed_cases": float(cold_unnamed.seen),
        "cold_unnamed_top1": unnamed1,
        "cold_unnamed_top3": unnamed3,
        "cold_duty_text_only_top1": plain1,
        "cold_duty_text_only_top3": plain3,
        "learning_top1": learning["top1"],
        "learning_top3": learning["top3"],
        "learning_last_half_top1": learning["last_half_top1"],
        "learning_last_half_top3": learning["last_half_top3"],
        "learning_co_unit_precision": learning["co_precision"],
        "learning_co_unit_recall": learning["co_recall"],
        "orders_mean_learning_top1": statistics.fmean(o["top1"] for o in others),
        "orders_mean_last_half_top1": statistics.fmean(o["last_half_top1"] for o in others),
        "orders_mean_last_half_top3": statistics.fmean(o["last_half_top3"] for o in others),
        "propose_1000_seconds": propose_1000,
        "router_build_seconds": build_seconds,
        "median_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 95),
    }


def render(figures: dict[str, float]) -> str:
    """The figures as a few readable lines."""
    f = figures

    def pct(key: str) -> str:
        return f"{100.0 * f[key]:5.1f} %"

    return "\n".join(
        [
            f"Routing proposals: {f['cases']:.0f} labelled suggestions in {f['fields']:.0f} fields,"
            f" {f['units']:.0f} units",
            f"  cold (duties only)          top-1 {pct('cold_top1')}   top-3 {pct('cold_top3')}",
            f"    text names no lead alias  top-1 {pct('cold_unnamed_top1')}   top-3 {pct('cold_unnamed_top3')}"
            f"   ({f['unnamed_cases']:.0f} cases)",
            f"    duty paragraphs only      top-1 {pct('cold_duty_text_only_top1')}"
            f"   top-3 {pct('cold_duty_text_only_top3')}   (no keywords, no aliases)",
            f"  learning, all cases         top-1 {pct('learning_top1')}   top-3 {pct('learning_top3')}",
            f"  learning, last half         top-1 {pct('learning_last_half_top1')}"
            f"   top-3 {pct('learning_last_half_top3')}",
            f"    mean of {EXTRA_ORDERS} other orders  top-1 {pct('orders_mean_learning_top1')}"
            f"   last half top-1 {pct('orders_mean_last_half_top1')}   top-3 {pct('orders_mean_last_half_top3')}",
            f"  co-units (last half, lead right)  precision {pct('learning_co_unit_precision')}"
            f"   recall {pct('learning_co_unit_recall')}",
            f"  per proposal  median {f['median_ms']:.2f} ms   p95 {f['p95_ms']:.2f} ms",
            f"  1,000 cases proposed in {f['propose_1000_seconds']:.2f} s (router with {f['cases']:.0f} past decisions,"
            f" built in {f['router_build_seconds']:.2f} s)",
        ]
    )


if __name__ == "__main__":
    print(render(run()))
