"""Percentiles and summaries, computed here in Python (never in the database)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile out of range: {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    """The distribution of a set of durations, in milliseconds."""

    count: int
    median_ms: float
    p90_ms: float
    p99_ms: float
    min_ms: float
    max_ms: float
    mean_ms: float

    @classmethod
    def of_seconds(cls, seconds: Sequence[float]) -> Summary:
        """Summarise durations given in seconds."""
        ms = [s * 1000.0 for s in seconds]
        if not ms:
            nan = math.nan
            return cls(0, nan, nan, nan, nan, nan, nan)
        return cls(
            count=len(ms),
            median_ms=statistics.median(ms),
            p90_ms=percentile(ms, 90),
            p99_ms=percentile(ms, 99),
            min_ms=min(ms),
            max_ms=max(ms),
            mean_ms=statistics.fmean(ms),
        )

    def as_json(self) -> dict[str, Any]:
        """JSON-friendly (NaN becomes null), rounded to 0.1 ms."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else round(v, 1)) for k, v in asdict(self).items()}

    def line(self) -> str:
        """One line for the report."""
        if self.count == 0:
            return "no samples"
        return (
            f"median {self.median_ms:7.1f} ms   p90 {self.p90_ms:7.1f} ms   p99 {self.p99_ms:7.1f} ms   "
            f"max {self.max_ms:7.1f} ms   (n={self.count})"
        )
