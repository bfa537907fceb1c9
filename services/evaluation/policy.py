"""A congress's rating rules (代表满意度测评): the window, whose rating decides, silence. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from shared.errors import Invalid
from shared.workdays import SHANGHAI, WorkCalendar, local_date

Result = Literal["satisfied", "basically_satisfied", "unsatisfied"]


@dataclass(frozen=True)
class Policy:
    """One congress's rules; the defaults are the common practice."""

    rating_window_working_days: int = 10  # deputies rate within this many working days of the reply
    result_from: Literal["lead", "majority"] = "lead"  # the lead deputy's rating decides, or most ratings
    silent_result: Result | Literal["none"] = "satisfied"  # 逾期未反馈视为满意; "none": no result, the case waits
    final_when_all_rated: bool = True  # every deputy asked has rated: the result is final at once
    extra_holidays: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()
    calendar: WorkCalendar = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.rating_window_working_days <= 60:
            problems.append("rating_window_working_days must be 1-60")
        try:
            calendar = WorkCalendar(self.extra_holidays, self.extra_workdays)
        except ValueError as exc:
            problems.append(str(exc))
            calendar = WorkCalendar()
        if problems:
            raise Invalid("settings.invalid", "The evaluation settings are not valid.", problems=problems)
        object.__setattr__(self, "calendar", calendar)

    def window_closes_at(self, opened_at: datetime) -> datetime:
        """Local midnight after the n-th working day following the reply."""
        last = self.calendar.add_working_days(local_date(opened_at), self.rating_window_working_days)
        return datetime.combine(last + timedelta(days=1), time(0), tzinfo=SHANGHAI).astimezone(UTC)
