"""Notify's rule table: which lines a congress may set, the default table, own lines over it, digest times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.notify.ruletable import (
    ALL,
    AUDIENCES,
    CHANNELS,
    DEFAULT,
    DIGEST_TIME,
    EMAIL,
    INBOX,
    SMS,
    Send,
    Table,
    check,
    check_time,
    digest_slot,
    table,
)
from shared.errors import Invalid

URGED = "supervision.case.urged.v1"
ASSIGNED = "assignment.case.assigned.v1"
REGISTERED = "intake.suggestion.registered.v1"
SHANGHAI = timezone(timedelta(hours=8))  # Asia/Shanghai has had no daylight saving since 1991


def _code(event_type: str, sends: list[Send]) -> str:
    with pytest.raises(Invalid) as caught:
        check(event_type, sends)
    return caught.value.code


# --- check: a line that can be followed ----------------------------------------------------------


def test_channel_constants_are_the_three_channels() -> None:
    assert (INBOX, EMAIL, SMS) == ("inbox", "email", "sms")
    assert set(CHANNELS) == set(ALL) == {"inbox", "email", "sms"}


def test_a_valid_line_is_accepted_and_ordered_as_the_audiences_are_listed() -> None:
    given = [
        Send("leader", (INBOX,)),
        Send("co_signers", (SMS, EMAIL)),
        Send("lead_unit", (INBOX, EMAIL, SMS)),
        Send("constituent", (SMS,)),
    ]
    out = check(ASSIGNED, given)
    assert isinstance(out, tuple)
    assert [s.audience for s in out] == ["lead_unit", "co_signers", "leader", "constituent"]
    order = list(AUDIENCES[ASSIGNED])
    assert [s.audience for s in out] == sorted((s.audience for s in given), key=order.index)
    # The sends themselves are kept: channels in the order given, digest as given.
    assert set(out) == set(given)
    assert next(s for s in out if s.audience == "co_signers").channels == (SMS, EMAIL)


def test_an_already_ordered_line_comes_back_unchanged() -> None:
    line = [Send(a, (INBOX,)) for a in AUDIENCES[REGISTERED]]
    assert check(REGISTERED, line) == tuple(line)


def test_an_empty_line_is_valid_and_tells_nobody() -> None:
    assert check(URGED, []) == ()
    assert check(ASSIGNED, []) == ()


def test_digest_is_allowed_on_reminders_with_email_or_sms() -> None:
    out = check(URGED, [Send("co_units", (INBOX, SMS), digest=True), Send("lead_unit", (EMAIL,), digest=True)])
    assert [(s.audience, s.digest) for s in out] == [("lead_unit", True), ("co_units", True)]


def test_an_unknown_event_type_is_refused() -> None:
    assert _code("supervision.case.urged.v2", [Send("lead_unit", (INBOX,))]) == "rule.event_type_unknown"
    assert _code("nonsense", []) == "rule.event_type_unknown"  # even an empty line


def test_the_unknown_event_type_error_lists_the_known_types() -> None:
    with pytest.raises(Invalid) as caught:
        check("intake.suggestion.submitted.v1", [])
    assert caught.value.details["event_types"] == sorted(AUDIENCES)


@pytest.mark.parametrize(
    ("event_type", "audience"),
    [
        (URGED, "staff"),  # an audience of another event type
        (URGED, "lead_deputy"),
        ("assignment.case.unit_objected.v1", "lead_unit"),
        (ASSIGNED, "everyone"),
        (ASSIGNED, ""),
    ],
)
def test_an_audience_the_event_type_cannot_tell_is_refused(event_type: str, audience: str) -> None:
    assert _code(event_type, [Send(audience, (INBOX,))]) == "rule.audience_unknown"


def test_an_audience_named_twice_is_refused() -> None:
    sends = [Send("lead_unit", (INBOX,)), Send("co_units", (INBOX,)), Send("lead_unit", (EMAIL,))]
    assert _code(URGED, sends) == "rule.audience_repeated"


@pytest.mark.parametrize(
    "channels",
    [(), ("fax",), (INBOX, "wechat"), ("Inbox",), (INBOX, INBOX), (EMAIL, SMS, EMAIL)],
    ids=["empty", "unknown", "one-unknown", "wrong-case", "repeated", "repeated-among-others"],
)
def test_channels_must_be_one_or_more_known_ones_each_once(channels: tuple[str, ...]) -> None:
    assert _code(ASSIGNED, [Send("lead_unit", channels)]) == "rule.channels_invalid"


def test_a_digest_needs_email_or_sms() -> None:
    assert _code(URGED, [Send("lead_unit", (INBOX,), digest=True)]) == "rule.digest_needs_channel"


@pytest.mark.parametrize("event_type", sorted(set(AUDIENCES) - {URGED}))
def test_only_reminders_may_be_gathered_into_a_digest(event_type: str) -> None:
    audience = next(iter(AUDIENCES[event_type]))
    assert _code(event_type, [Send(audience, (INBOX, EMAIL), digest=True)]) == "rule.digest_not_allowed"
    # The same line without digest is fine.
    assert check(event_type, [Send(audience, (INBOX, EMAIL))]) == (Send(audience, (INBOX, EMAIL)),)


def test_send_round_trips_through_its_document() -> None:
    s = Send("co_units", (INBOX, SMS), digest=True)
    assert s.as_doc() == {"audience": "co_units", "channels": ["inbox", "sms"], "digest": True}
    assert Send.of(s.as_doc()) == s


# --- the default table ---------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", sorted(DEFAULT))
def test_every_default_line_passes_check(event_type: str) -> None:
    line = DEFAULT[event_type]
    assert check(event_type, list(line)) == line  # valid, and already in the listed order


def test_default_and_audiences_cover_the_same_event_types() -> None:
    assert set(DEFAULT) == set(AUDIENCES)


def test_every_default_line_tells_someone() -> None:
    assert all(DEFAULT[t] for t in DEFAULT)


def test_reminders_to_units_are_gathered_into_the_digest_by_default() -> None:
    line = {s.audience: s for s in DEFAULT[URGED]}
    assert set(line) == {"lead_unit", "co_units"}
    for s in line.values():
        assert s.digest is True
        assert {EMAIL, SMS} <= set(s.channels)


def test_no_other_default_line_is_a_digest() -> None:
    assert [t for t, line in DEFAULT.items() if any(s.digest for s in line)] == [URGED]


def test_the_constituent_is_told_by_text_message_only() -> None:
    for event_type, line in DEFAULT.items():
        for s in line:
            if s.audience == "constituent":
                assert s.channels == (SMS,), event_type


# --- check_time ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["09:30", "00:00", "23:59", "12:00", "19:05", DIGEST_TIME])
def test_a_time_of_day_as_hh_mm_is_accepted(text: str) -> None:
    assert check_time(text) == text


@pytest.mark.parametrize(
    "text",
    ["9:30", "24:00", "12:60", "noon", "", "09:30:00", "0930", " 09:30", "09:30 ", "09:3", "25:00", "09.30", "-1:00"],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_time(text)
    assert caught.value.code == "rule.digest_time_invalid"


def test_a_time_with_a_trailing_newline_is_refused() -> None:
    # `$` in a regular expression also matches before a final newline.
    with pytest.raises(Invalid) as caught:
        check_time("09:30\n")
    assert caught.value.code == "rule.digest_time_invalid"


# --- a congress's table --------------------------------------------------------------------------


def test_without_own_lines_the_table_is_the_default() -> None:
    t = table({})
    assert isinstance(t, Table)
    assert t.lines == DEFAULT
    assert t.own == frozenset()
    assert t.digest_time == DIGEST_TIME == "09:30"


def test_an_own_line_replaces_the_default_line_of_its_event_type_only() -> None:
    mine = (Send("lead_unit", (INBOX,)),)
    t = table({URGED: mine})
    assert t.lines[URGED] == mine
    assert t.send(URGED, "lead_unit") == Send("lead_unit", (INBOX,))
    assert t.send(URGED, "co_units") is None  # in the default line, not in the congress's
    for event_type in set(DEFAULT) - {URGED}:
        assert t.lines[event_type] == DEFAULT[event_type]
    assert t.send(ASSIGNED, "lead_unit") == next(s for s in DEFAULT[ASSIGNED] if s.audience == "lead_unit")
    assert t.own == frozenset({URGED})


def test_own_lines_leave_the_default_untouched() -> None:
    before = dict(DEFAULT)
    table({URGED: (), ASSIGNED: (Send("leader", (INBOX,)),)})
    assert before == DEFAULT
    assert table({}).send(URGED, "co_units") is not None


def test_an_empty_own_line_tells_nobody() -> None:
    t = table({URGED: ()})
    assert t.send(URGED, "lead_unit") is None
    assert t.send(URGED, "co_units") is None
    assert t.own == frozenset({URGED})


def test_send_is_none_for_an_audience_not_in_the_line() -> None:
    t = table({})
    # assigned's default line does not tell the constituent, though the event type can.
    assert "constituent" in AUDIENCES[ASSIGNED]
    assert t.send(ASSIGNED, "constituent") is None
    assert t.send(ASSIGNED, "nobody") is None
    assert t.send("no.such.event.v1", "lead_unit") is None
    lead = t.send(ASSIGNED, "lead_deputy")
    assert lead is not None
    assert lead.channels == ALL


def test_own_says_which_lines_are_the_congress_own() -> None:
    t = table({ASSIGNED: DEFAULT[ASSIGNED], REGISTERED: ()}, "07:45")
    assert t.own == frozenset({ASSIGNED, REGISTERED})  # even a line equal to the default is its own
    assert t.digest_time == "07:45"
    assert t.lines[ASSIGNED] == DEFAULT[ASSIGNED]


# --- digest_slot ---------------------------------------------------------------------------------


def _local(y: int, mo: int, d: int, h: int, mi: int) -> datetime:
    """A Shanghai wall-clock time as the aware UTC datetime digest_slot is given."""
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (_local(2025, 3, 5, 8, 59), _local(2025, 3, 5, 9, 30)),  # before today's time: today
        (_local(2025, 3, 5, 9, 29), _local(2025, 3, 5, 9, 30)),
        (_local(2025, 3, 5, 9, 30), _local(2025, 3, 6, 9, 30)),  # exactly at it: strictly after, tomorrow
        (_local(2025, 3, 5, 9, 31), _local(2025, 3, 6, 9, 30)),
        (_local(2025, 3, 5, 23, 0), _local(2025, 3, 6, 9, 30)),
        (_local(2025, 3, 5, 0, 0), _local(2025, 3, 5, 9, 30)),  # local midnight is 16:00 UTC the day before
        (_local(2025, 1, 31, 23, 0), _local(2025, 2, 1, 9, 30)),  # across a month end
        (_local(2024, 2, 28, 12, 0), _local(2024, 2, 29, 9, 30)),  # a leap day
        (_local(2025, 2, 28, 10, 0), _local(2025, 3, 1, 9, 30)),
        (_local(2024, 12, 31, 22, 15), _local(2025, 1, 1, 9, 30)),  # across a year end
    ],
)
def test_the_digest_goes_out_at_the_next_local_digest_time(now: datetime, slot: datetime) -> None:
    out = digest_slot(now, "09:30")
    assert out == slot
    assert out > now
    assert out.tzinfo == UTC  # in the input's timezone
    assert out.astimezone(SHANGHAI).strftime("%H:%M") == "09:30"


def test_the_local_day_not_the_utc_day_decides() -> None:
    # 2025-03-04 20:00 UTC is 04:00 on 5 March in Shanghai: the digest is at 09:30 on 5 March (01:30 UTC),
    # not on 4 March (already past) and not on 6 March.
    assert digest_slot(datetime(2025, 3, 4, 20, 0, tzinfo=UTC), "09:30") == datetime(2025, 3, 5, 1, 30, tzinfo=UTC)
    # 2025-03-05 02:00 UTC is 10:00 in Shanghai, after today's digest: tomorrow's.
    assert digest_slot(datetime(2025, 3, 5, 2, 0, tzinfo=UTC), "09:30") == datetime(2025, 3, 6, 1, 30, tzinfo=UTC)


def test_the_congress_digest_time_is_used() -> None:
    now = _local(2025, 3, 5, 8, 0)
    assert digest_slot(now, "08:30") == _local(2025, 3, 5, 8, 30)
    assert digest_slot(now, "07:00") == _local(2025, 3, 6, 7, 0)
    assert digest_slot(now, "00:00") == _local(2025, 3, 6, 0, 0)
    assert digest_slot(_local(2025, 3, 5, 23, 58), "23:59") == _local(2025, 3, 5, 23, 59)
    assert digest_slot(_local(2025, 3, 5, 23, 59), "23:59") == _local(2025, 3, 6, 23, 59)


def test_the_slot_is_given_in_the_timezone_of_the_input() -> None:
    now = datetime(2025, 3, 5, 8, 59, tzinfo=SHANGHAI)
    out = digest_slot(now, "09:30")
    assert out == datetime(2025, 3, 5, 9, 30, tzinfo=SHANGHAI)
    assert out.utcoffset() == timedelta(hours=8)


def test_seconds_after_the_digest_time_count_as_after() -> None:
    now = _local(2025, 3, 5, 9, 30) + timedelta(seconds=1)
    assert digest_slot(now, "09:30") == _local(2025, 3, 6, 9, 30)
    just_before = _local(2025, 3, 5, 9, 30) - timedelta(microseconds=1)
    assert digest_slot(just_before, "09:30") == _local(2025, 3, 5, 9, 30)
