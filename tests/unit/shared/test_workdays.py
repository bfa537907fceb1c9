"""Working-day arithmetic against the real 2024/2025 statutory calendar, overrides, months and time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import chinese_calendar  # type: ignore[import-untyped]
import pytest

from shared.workdays import (
    SHANGHAI,
    WorkCalendar,
    add_months,
    end_of_local_day,
    local_date,
)

STATUTORY = WorkCalendar()


# --- the statutory calendar, make-up working days included ----------------------------


@pytest.mark.parametrize("day", [date(2024, 10, d) for d in range(1, 8)])
def test_national_day_2024_is_off(day: date) -> None:
    assert not STATUTORY.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2024, 9, 29), date(2024, 10, 12)],
    ids=["sun-sep-29", "sat-oct-12"],
)
def test_national_day_2024_make_up_weekend_days_are_working(day: date) -> None:
    assert day.weekday() >= 5
    assert STATUTORY.is_working_day(day)


def test_ordinary_weekend_next_to_national_day_2024_stays_off() -> None:
    assert not STATUTORY.is_working_day(date(2024, 9, 28))  # Saturday
    assert not STATUTORY.is_working_day(date(2024, 10, 13))  # Sunday


@pytest.mark.parametrize("day", [date(2025, 1, 28) + timedelta(days=k) for k in range(8)])
def test_spring_festival_2025_is_off(day: date) -> None:
    assert not STATUTORY.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2025, 1, 26), date(2025, 2, 8)],
    ids=["sun-jan-26", "sat-feb-8"],
)
def test_spring_festival_2025_make_up_weekend_days_are_working(day: date) -> None:
    assert day.weekday() >= 5
    assert STATUTORY.is_working_day(day)


def test_statutory_calendar_agrees_with_chinese_calendar_for_2024_and_2025() -> None:
    day = date(2024, 1, 1)
    while day.year < 2026:
        assert STATUTORY.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


# --- adding working days --------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Friday before Golden Week 2024: Sun 29 (make-up), Mon 30, then Oct 8, 9, 10.
        (date(2024, 9, 27), 5, date(2024, 10, 10)),
        # Friday before Spring Festival 2025: Sun Jan 26 (make-up), Mon 27, then Feb 5, 6, 7.
        (date(2025, 1, 24), 5, date(2025, 2, 7)),
        (date(2025, 1, 24), 6, date(2025, 2, 8)),
        (date(2024, 10, 1), 1, date(2024, 10, 8)),
        (date(2024, 9, 27), 0, date(2024, 9, 27)),
        (date(2024, 10, 3), 0, date(2024, 10, 3)),
    ],
)
def test_add_working_days_across_holidays(start: date, n: int, expected: date) -> None:
    assert STATUTORY.add_working_days(start, n) == expected


def test_make_up_saturday_is_counted() -> None:
    # Oct 8, 9, 10, 11 and the make-up Saturday Oct 12; Mon-Fri counting would give Oct 14.
    assert STATUTORY.add_working_days(date(2024, 9, 30), 5) == date(2024, 10, 12)


def test_add_working_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError):
        STATUTORY.add_working_days(date(2024, 9, 27), -1)


def test_working_days_between_spans_the_holiday() -> None:
    # Sep 29, Sep 30, Oct 8, 9, 10, 11, 12.
    assert STATUTORY.working_days_between(date(2024, 9, 27), date(2024, 10, 12)) == 7
    assert STATUTORY.working_days_between(date(2024, 10, 12), date(2024, 9, 27)) == -7
    assert STATUTORY.working_days_between(date(2024, 10, 12), date(2024, 10, 12)) == 0
    assert STATUTORY.working_days_between(date(2024, 10, 1), date(2024, 10, 7)) == 0


def test_working_days_between_inverts_add_working_days() -> None:
    start = date(2024, 9, 1)
    while start < date(2025, 3, 1):
        for n in (0, 1, 5, 15):
            end = STATUTORY.add_working_days(start, n)
            assert STATUTORY.working_days_between(start, end) == n
        start += timedelta(days=3)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 10, 1), date(2024, 10, 8)),
        # A Saturday followed by a make-up Sunday.
        (date(2024, 9, 28), date(2024, 9, 29)),
        (date(2024, 9, 29), date(2024, 9, 29)),
        (date(2025, 2, 1), date(2025, 2, 5)),
        (date(2024, 10, 11), date(2024, 10, 11)),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert STATUTORY.next_working_day(day) == expected


# --- a congress's overrides -----------------------------------------------------------


def test_extra_congress_holiday_is_skipped() -> None:
    congress = WorkCalendar(extra_holidays=[date(2024, 10, 8)])
    assert not congress.is_working_day(date(2024, 10, 8))
    # Oct 9, 10, 11, 12 (make-up Saturday), 14.
    assert congress.add_working_days(date(2024, 9, 30), 5) == date(2024, 10, 14)
    assert congress.next_working_day(date(2024, 10, 1)) == date(2024, 10, 9)


def test_extra_working_day_is_counted() -> None:
    congress = WorkCalendar(extra_workdays=[date(2024, 10, 19)])  # an ordinary Saturday
    assert congress.is_working_day(date(2024, 10, 19))
    assert congress.add_working_days(date(2024, 10, 18), 1) == date(2024, 10, 19)
    assert STATUTORY.add_working_days(date(2024, 10, 18), 1) == date(2024, 10, 21)


def test_overrides_win_over_the_statutory_calendar() -> None:
    congress = WorkCalendar(extra_holidays=[date(2024, 9, 29)], extra_workdays=[date(2024, 10, 7)])
    assert not congress.is_working_day(date(2024, 9, 29))  # statutory make-up day
    assert congress.is_working_day(date(2024, 10, 7))  # statutory holiday
    assert congress.next_working_day(date(2024, 10, 1)) == date(2024, 10, 7)


def test_a_date_cannot_be_both_holiday_and_working_day() -> None:
    with pytest.raises(ValueError, match="2024-10-08"):
        WorkCalendar(extra_holidays=[date(2024, 10, 8)], extra_workdays=[date(2024, 10, 8)])


def test_calendar_is_immutable_and_compares_by_overrides() -> None:
    congress = WorkCalendar(extra_holidays=(d for d in [date(2024, 10, 8)]))
    assert congress == WorkCalendar(extra_holidays=[date(2024, 10, 8)])
    assert congress != STATUTORY
    with pytest.raises(AttributeError):
        congress.extra_holidays = frozenset()  # type: ignore[misc]


def test_datetimes_are_refused_where_a_date_is_expected() -> None:
    # 2024-09-30T17:00Z is already Oct 1 in Shanghai: counting on its UTC date would be wrong.
    instant = datetime(2024, 9, 30, 17, 0, tzinfo=UTC)
    with pytest.raises(TypeError):
        STATUTORY.is_working_day(instant)
    with pytest.raises(TypeError):
        STATUTORY.add_working_days(instant, 1)
    with pytest.raises(TypeError):
        WorkCalendar(extra_holidays=[instant])
    assert not STATUTORY.is_working_day(local_date(instant))


# --- years the statutory data does not cover ------------------------------------------


def test_covers_tells_whether_statutory_data_is_known() -> None:
    assert STATUTORY.covers(2024)
    assert STATUTORY.covers(2025)
    assert not STATUTORY.covers(2099)
    assert not STATUTORY.covers(1999)


def test_uncovered_year_falls_back_to_monday_to_friday() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2099, 1, 1))
    # Thursday Jan 1: New Year's Day is unknown without the year's notice.
    assert STATUTORY.is_working_day(date(2099, 1, 1))
    assert not STATUTORY.is_working_day(date(2099, 1, 3))  # Saturday
    # Friday -> Monday.
    assert STATUTORY.add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)
    assert STATUTORY.working_days_between(date(2099, 1, 4), date(2099, 1, 11)) == 5
    assert STATUTORY.add_working_days(date(2099, 1, 1), 10) == date(2099, 1, 15)


def test_overrides_apply_in_an_uncovered_year() -> None:
    congress = WorkCalendar(extra_holidays=[date(2099, 1, 1)], extra_workdays=[date(2099, 1, 3)])
    assert not congress.is_working_day(date(2099, 1, 1))
    assert congress.is_working_day(date(2099, 1, 3))
    assert congress.next_working_day(date(2099, 1, 1)) == date(2099, 1, 2)


# --- calendar months ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 12, 15), 3, date(2025, 3, 15)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 5, 31), 0, date(2024, 5, 31)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


# --- Asia/Shanghai days and UTC instants ----------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2024, 9, 30, 15, 59, 59, 999999, tzinfo=UTC), date(2024, 9, 30)),
        (datetime(2024, 9, 30, 16, 0, tzinfo=UTC), date(2024, 10, 1)),
        (datetime(2024, 12, 31, 20, 0, tzinfo=UTC), date(2025, 1, 1)),
        (datetime(2024, 10, 1, 0, 30, tzinfo=SHANGHAI), date(2024, 10, 1)),
        (
            datetime(2024, 9, 30, 12, 0, tzinfo=timezone(timedelta(hours=-5))),
            date(2024, 10, 1),
        ),
    ],
)
def test_local_date_is_the_shanghai_date(instant: datetime, expected: date) -> None:
    assert local_date(instant) == expected


def test_local_date_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2024, 9, 30, 16, 0))


def test_end_of_local_day_is_in_utc() -> None:
    end = end_of_local_day(date(2024, 10, 8))
    assert end == datetime(2024, 10, 8, 15, 59, 59, 999999, tzinfo=UTC)
    assert end.utcoffset() == timedelta(0)
    assert local_date(end) == date(2024, 10, 8)
    assert local_date(end + timedelta(microseconds=1)) == date(2024, 10, 9)


def test_end_of_local_day_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        end_of_local_day(datetime(2024, 10, 8, tzinfo=UTC))
