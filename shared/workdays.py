"""Working days, calendar months and local days for deadlines on the Chinese statutory calendar.

Deadlines of the suggestion chain are counted in working days (objections within 5 working
days of pre-assignment) or calendar months (a reply within 3 months of assignment). A
working day follows the State Council's yearly holiday notice as carried by the
`chinese_calendar` package: statutory holidays are off, and the make-up working days
(调休上班, a Saturday or Sunday) are on. Each congress may override single dates with
`extra_holidays` and `extra_workdays`; an override wins over the statutory calendar.

Coverage: `chinese_calendar` only knows the years whose notice was published before the
installed release (2004-2026 in 1.11.0) and raises NotImplementedError for any other year.
For such a year `WorkCalendar` falls back to Monday-Friday plus the congress's overrides, so
the Spring Festival, National Day and their make-up days are missing. `WorkCalendar.covers`
tells whether a year's statutory data is known: callers should warn when a deadline lands
in an uncovered year (typically in November-December, for deadlines in the next year) and
recompute once the package is upgraded or the congress has entered the dates as overrides.

Time: dates here are Asia/Shanghai calendar dates; instants are stored as aware UTC
datetimes. `local_date` turns an instant into its Shanghai date and `end_of_local_day` gives
the instant at which a deadline on a date expires. Functions taking a date refuse a
datetime, which would silently count on its UTC date instead.

No I/O.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "SHANGHAI",
    "WorkCalendar",
    "add_months",
    "end_of_local_day",
    "local_date",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

_ONE_DAY = timedelta(days=1)


def _plain_date(value: date) -> date:
    # datetime subclasses date: accepting one would count on whatever zone it carries.
    if isinstance(value, datetime):
        raise TypeError(f"expected a date, got the datetime {value!r}; convert it with local_date() first")
    return value


@lru_cache(maxsize=8192)
def _statutory_working_day(day: date) -> bool | None:
    """The statutory answer for `day`, or None when chinese_calendar has no data for its year."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass(frozen=True, init=False)
class WorkCalendar:
    """The working days of one congress: the statutory calendar with that congress's overrides."""

    extra_holidays: frozenset[date]
    extra_workdays: frozenset[date]

    def __init__(self, extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()) -> None:
        """Build a calendar; a date may not be both an extra holiday and an extra working day."""
        holidays = frozenset(_plain_date(d) for d in extra_holidays)
        workdays = frozenset(_plain_date(d) for d in extra_workdays)
        both = holidays & workdays
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates given both as extra holidays and extra working days: {listed}")
        object.__setattr__(self, "extra_holidays", holidays)
        object.__setattr__(self, "extra_workdays", workdays)

    def covers(self, year: int) -> bool:
        """Whether the statutory holiday data for `year` is known (otherwise Monday-Friday is assumed)."""
        return _statutory_working_day(date(year, 1, 1)) is not None

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is a working day for this congress."""
        d = _plain_date(d)
        if d in self.extra_holidays:
            return False
        if d in self.extra_workdays:
            return True
        statutory = _statutory_working_day(d)
        if statutory is None:
            return d.weekday() < 5
        return statutory

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start not counted); `start` itself when n is 0."""
        day = _plain_date(start)
        if n < 0:
            raise ValueError(f"n must be 0 or more, got {n}")
        remaining = n
        while remaining:
            day += _ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative, the count in (end, start], when end is before start."""
        start, end = _plain_date(start), _plain_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for k in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=k)))

    def next_working_day(self, d: date) -> date:
        """`d` if it is a working day, else the first working day after it."""
        day = _plain_date(d)
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day


def add_months(start: date, months: int) -> date:
    """`start` moved by whole calendar months, clamped to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    start = _plain_date(start)
    year, month_index = divmod(start.year * 12 + start.month - 1 + months, 12)
    month = month_index + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day))


def local_date(instant: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware instant; a naive datetime raises ValueError."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: instants must carry a time zone (store UTC)")
    return instant.astimezone(SHANGHAI).date()


def end_of_local_day(d: date) -> datetime:
    """The last microsecond of `d` in Asia/Shanghai (23:59:59.999999), as an aware UTC datetime."""
    return datetime.combine(_plain_date(d), time.max, tzinfo=SHANGHAI).astimezone(UTC)
