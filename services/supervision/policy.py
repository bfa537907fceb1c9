"""A congress's handling and supervision rules: sign-for, lights, reminders, re-handling, extensions. No I/O.

Each congress sets its own; until it does, the defaults below (the usual practice in the seeds) apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from shared.errors import Invalid
from shared.workdays import SHANGHAI, WorkCalendar, add_months, end_of_local_day, local_date


@dataclass(frozen=True)
class Policy:
    """One congress's rules."""

    sign_within_working_days: int = 3  # units sign for a case (签收) within this many working days
    yellow_days: int = 15  # yellow when this many calendar days or fewer remain
    reminder_days_before: tuple[int, ...] = (15, 7, 1)  # automatic reminders, calendar days before the deadline
    overdue_every_working_days: int = 3  # then every this many working days while overdue
    reminder_hour: int = 9  # local hour reminders go out
    rehandling_months: int = 1  # a new reply within this after an unsatisfied rating
    max_rehandling_rounds: int = 2  # after this many re-handlings the chair meeting decides
    extension_cap_months: int = 6  # no deadline beyond this from assignment, unless the chair meeting decides
    second_reply_months: int = 6  # a B case's second reply at the latest this long after the first reply
    review_replies: bool = True  # staff check replies (三对照) before they reach the deputy
    deadline_to_working_day: bool = True
    extra_holidays: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()
    calendar: WorkCalendar = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.sign_within_working_days <= 30:
            problems.append("sign_within_working_days must be 1-30")
        if not 1 <= self.yellow_days <= 90:
            problems.append("yellow_days must be 1-90")
        if any(not 1 <= d <= 90 for d in self.reminder_days_before) or len(set(self.reminder_days_before)) != len(
            self.reminder_days_before
        ):
            problems.append("reminder_days_before must be distinct numbers of days, 1-90")
        if not 1 <= self.overdue_every_working_days <= 30:
            problems.append("overdue_every_working_days must be 1-30")
        if not 0 <= self.reminder_hour <= 23:
            problems.append("reminder_hour must be 0-23")
        if not 1 <= self.rehandling_months <= 6:
            problems.append("rehandling_months must be 1-6")
        if not 1 <= self.max_rehandling_rounds <= 5:
            problems.append("max_rehandling_rounds must be 1-5")
        if not 1 <= self.extension_cap_months <= 24:
            problems.append("extension_cap_months must be 1-24")
        if not 1 <= self.second_reply_months <= 24:
            problems.append("second_reply_months must be 1-24")
        try:
            calendar = WorkCalendar(self.extra_holidays, self.extra_workdays)
        except ValueError as exc:
            problems.append(str(exc))
            calendar = WorkCalendar()
        if problems:
            raise Invalid("settings.invalid", "The supervision settings are not valid.", problems=problems)
        object.__setattr__(self, "reminder_days_before", tuple(sorted(self.reminder_days_before, reverse=True)))
        object.__setattr__(self, "calendar", calendar)

    # --- instants --------------------------------------------------------------------------------

    def sign_due_at(self, assigned_at: datetime) -> datetime:
        """Local midnight after the n-th working day following assignment."""
        last = self.calendar.add_working_days(local_date(assigned_at), self.sign_within_working_days)
        return start_of_local_day(last + timedelta(days=1))

    def due_date(self, start: datetime, months: int) -> date:
        """A date `months` after the local date of `start`, moved off a day off when the congress says so."""
        day = add_months(local_date(start), months)
        return self.calendar.next_working_day(day) if self.deadline_to_working_day else day

    def yellow_from(self, due_on: date) -> datetime:
        """When a case due on `due_on` turns yellow: the start of the day `yellow_days` before it."""
        return start_of_local_day(due_on - timedelta(days=self.yellow_days))

    def reminders(self, due_on: date) -> list[tuple[str, datetime, int]]:
        """The reminder points before the deadline: (key, when, days left). A point on a day off moves to
        the working day before it, so the units hear before the holiday (two points may then share a day)."""
        points = []
        for k in self.reminder_days_before:
            day = due_on - timedelta(days=k)
            while not self.calendar.is_working_day(day):
                day -= timedelta(days=1)
            points.append(
                (f"before-{k}:{due_on.isoformat()}", at_local_hour(day, self.reminder_hour), (due_on - day).days)
            )
        return points

    def overdue_reminder(self, due_on: date, n: int) -> tuple[str, datetime, int]:
        """The n-th reminder (0, 1, …) while overdue: the first working day after the deadline, then every
        `overdue_every_working_days` working days."""
        first = self.calendar.add_working_days(due_on, 1)
        day = self.calendar.add_working_days(first, n * self.overdue_every_working_days)
        return (f"overdue-{n}:{due_on.isoformat()}", at_local_hour(day, self.reminder_hour), -(day - due_on).days)


def start_of_local_day(d: date) -> datetime:
    """00:00 of `d` in Asia/Shanghai, as an aware UTC datetime."""
    return datetime.combine(d, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def at_local_hour(d: date, hour: int) -> datetime:
    """`hour`:00 of `d` in Asia/Shanghai, as an aware UTC datetime."""
    return datetime.combine(d, time(hour), tzinfo=SHANGHAI).astimezone(UTC)


def deadline_instant(d: date) -> datetime:
    """The end of the local day `d`, to the millisecond (what MongoDB stores)."""
    return end_of_local_day(d).replace(microsecond=999_000)
