"""A congress's assignment rules (交办规则): windows, deadlines, negotiation rounds, its calendar. No I/O here.

Each congress sets its own; until it does, the defaults below (the usual practice in the seeds) apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from shared.errors import Invalid
from shared.workdays import SHANGHAI, WorkCalendar, add_months, end_of_local_day, local_date


class ReassignmentDeadline(StrEnum):
    """What reassignment (改办) does to the deadlines when the lead unit changes."""

    RESTART = "restart"  # the new lead unit gets the full period from the reassignment date
    KEEP = "keep"  # the deadlines fixed at formal assignment stay


@dataclass(frozen=True)
class Policy:
    """One congress's rules; the defaults are the common practice."""

    objection_window_working_days: int = 5
    reply_months: int = 3
    complex_reply_months: int = 6
    co_opinion_months_earlier: int = 1
    max_negotiation_rounds: int = 2
    # A deadline falling on a day off moves to the next working day (期间届满日为节假日的顺延).
    deadline_to_working_day: bool = True
    reassignment_deadline: ReassignmentDeadline = ReassignmentDeadline.RESTART
    extra_holidays: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()
    calendar: WorkCalendar = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.objection_window_working_days <= 30:
            problems.append("objection_window_working_days must be 1-30")
        if not 1 <= self.reply_months <= 12:
            problems.append("reply_months must be 1-12")
        if not self.reply_months <= self.complex_reply_months <= 12:
            problems.append("complex_reply_months must be between reply_months and 12")
        if not 0 <= self.co_opinion_months_earlier < self.reply_months:
            problems.append("co_opinion_months_earlier must be 0 or more and less than reply_months")
        if not 1 <= self.max_negotiation_rounds <= 10:
            problems.append("max_negotiation_rounds must be 1-10")
        try:
            calendar = WorkCalendar(self.extra_holidays, self.extra_workdays)
        except ValueError as exc:
            problems.append(str(exc))
            calendar = WorkCalendar()
        if problems:
            raise Invalid("settings.invalid", "The assignment settings are not valid.", problems=problems)
        object.__setattr__(self, "calendar", calendar)

    def window_last_day(self, opened_at: datetime) -> date:
        """The last day a unit may answer: the n-th working day after the (local) day the window opened."""
        return self.calendar.add_working_days(local_date(opened_at), self.objection_window_working_days)

    def window_closes_at(self, opened_at: datetime) -> datetime:
        """The instant a unit's window closes: local midnight after its last day (the unit may answer before)."""
        return start_of_local_day(self.window_last_day(opened_at) + timedelta(days=1))

    def deadlines(self, assigned_at: datetime, *, complex_case: bool) -> ComputedDeadlines:
        """The reply deadline and the co-units' opinion deadline of a case assigned at `assigned_at`."""
        months = self.complex_reply_months if complex_case else self.reply_months
        start = local_date(assigned_at)
        reply_on = self._working(add_months(start, months))
        co_on = self._working(add_months(start, months - self.co_opinion_months_earlier))
        if co_on > reply_on:  # a roll-over can only move the earlier date up to the later one
            co_on = reply_on
        return ComputedDeadlines(
            reply_due_on=reply_on,
            reply_due_at=_deadline_instant(reply_on),
            co_opinion_due_on=co_on,
            co_opinion_due_at=_deadline_instant(co_on),
            months=months,
            complex=complex_case,
            calendar_covered=self.calendar.covers(reply_on.year) and self.calendar.covers(co_on.year),
        )

    def _working(self, day: date) -> date:
        return self.calendar.next_working_day(day) if self.deadline_to_working_day else day


@dataclass(frozen=True)
class ComputedDeadlines:
    """Deadlines as `Policy.deadlines` computes them; `calendar_covered` is False when a date lies in a
    year the statutory holiday data does not cover yet (Monday-Friday was assumed)."""

    reply_due_on: date
    reply_due_at: datetime
    co_opinion_due_on: date
    co_opinion_due_at: datetime
    months: int
    complex: bool
    calendar_covered: bool


def start_of_local_day(d: date) -> datetime:
    """00:00 of `d` in Asia/Shanghai, as an aware UTC datetime."""
    return datetime.combine(d, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def _deadline_instant(d: date) -> datetime:
    # the end of the local day, to the millisecond: what MongoDB stores, so the event and the document agree
    return end_of_local_day(d).replace(microsecond=999_000)
