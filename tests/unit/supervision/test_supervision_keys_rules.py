"""Key supervision's rules (重点督办): planning from a selection or by staff, the plan, the log and its checks,
the progress with its missing months. Pure: no servers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.supervision.domain import Case, Status, UnitPart
from services.supervision.keys import (
    ENTRIES_MAX,
    FINDINGS_MAX,
    NAME_MAX,
    PARTICIPANTS_MAX,
    KeyCase,
    check_month,
    ended_on,
    from_selection,
    mark,
    plan,
    progress,
    record,
    same_plan,
)
from shared.contracts.intake import DeputyRef
from shared.contracts.supervision import KeyCasePlanned, KeyCaseProgressRecorded
from shared.errors import Conflict, DomainError, Invalid

CST = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


SELECTED = at(2026, 3, 20, 10)
APRIL = at(2026, 4, 15, 9)


def ledger_case(**overrides: Any) -> Case:
    fields: dict[str, Any] = {
        "id": "s-1",
        "congress_id": "city-15",
        "number": "15-2-0007",
        "title": "关于加强城区停车设施建设的建议",
        "field": "城乡建设",
        "lead_deputy": DeputyRef(id="d1", name="屠永芳"),
        "co_signers": (),
        "confidential": False,
        "lead": UnitPart(unit_id="jianshe", name="市住建局", role="lead"),
        "co_units": (UnitPart(unit_id="gongan", name="市公安局", role="co"),),
        "assigned_at": at(2026, 3, 12, 9),
        "year": 2026,
        "months": 3,
        "complex": False,
        "reply_due_on": date(2026, 6, 12),
        "co_opinion_due_on": date(2026, 5, 12),
        "sign_due_at": at(2026, 3, 19, 17),
        "armed_at": at(2026, 3, 12, 9),
    }
    return Case(**{**fields, **overrides})


def selected(**overrides: Any) -> KeyCase:
    key = from_selection(ledger_case(), year=2026, selected_at=SELECTED, ballot_id="b-1")
    return replace(key, events=(), **overrides)


def dispatch(key: KeyCase, month: str, percent: int | None = 30, now: datetime = APRIL, **kw: Any) -> KeyCase:
    fields: dict[str, Any] = {"findings": "召开调度会，停车场选址已确定。", "by": "staff-1", **kw}
    return replace(record(key, kind="dispatch", month=month, progress_percent=percent, now=now, **fields), events=())


def code_of(call: Any) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


# --------------------------------------------------------------------------- coming under key supervision


def test_a_selected_case_is_planned_from_the_ledger_facts_with_its_plan_still_to_set() -> None:
    key = from_selection(ledger_case(), year=2026, selected_at=SELECTED, ballot_id="b-1")
    assert (key.case_id, key.congress_id, key.year, key.number, key.source) == (
        "s-1",
        "city-15",
        2026,
        "15-2-0007",
        "selection",
    )
    assert (key.lead_leader, key.committee, key.planned, key.planned_by, key.ballot_id) == ("", "", False, "", "b-1")
    assert key.planned_at == SELECTED and key.revision == 1 and key.entries == ()
    (event,) = key.events
    assert isinstance(event, KeyCasePlanned)
    assert (event.case_id, event.source, event.year, event.planned_at, event.title) == (
        "s-1",
        "selection",
        2026,
        SELECTED,
        "关于加强城区停车设施建设的建议",
    )


def test_staff_mark_a_case_with_its_plan_tidied() -> None:
    key = mark(ledger_case(), lead_leader="  王 副主任 ", committee="城建环保工委", by="staff-1", now=APRIL)
    assert (key.source, key.lead_leader, key.committee, key.planned, key.planned_by, key.year) == (
        "staff",
        "王 副主任",
        "城建环保工委",
        True,
        "staff-1",
        2026,
    )
    (event,) = key.events
    assert isinstance(event, KeyCasePlanned)
    assert (event.source, event.lead_leader, event.committee, event.planned_by) == (
        "staff",
        "王 副主任",
        "城建环保工委",
        "staff-1",
    )


@pytest.mark.parametrize(
    ("leader", "committee", "code"),
    [
        ("", "城建环保工委", "key.lead_leader_required"),
        ("   ", "城建环保工委", "key.lead_leader_required"),
        ("王" * (NAME_MAX + 1), "城建环保工委", "key.lead_leader_too_long"),
        ("王副主任", "", "key.committee_required"),
        ("王副主任", "委" * (NAME_MAX + 1), "key.committee_too_long"),
    ],
)
def test_a_plan_names_its_leader_and_committee(leader: str, committee: str, code: str) -> None:
    assert code_of(lambda: mark(ledger_case(), lead_leader=leader, committee=committee, by="s", now=APRIL)) == code
    assert code_of(lambda: plan(selected(), lead_leader=leader, committee=committee, by="s", now=APRIL)) == code


def test_a_cancelled_case_cannot_be_marked() -> None:
    case = ledger_case(status=Status.CANCELLED, closed_at=APRIL)
    with pytest.raises(Conflict) as caught:
        mark(case, lead_leader="王副主任", committee="城建环保工委", by="s", now=APRIL)
    assert caught.value.code == "key.case_cancelled"


def test_setting_the_plan_announces_it_and_an_unchanged_plan_does_nothing() -> None:
    key = selected()
    after = plan(key, lead_leader="王副主任", committee="城建环保工委", by="staff-2", now=APRIL)
    assert (after.lead_leader, after.committee, after.planned) == ("王副主任", "城建环保工委", True)
    assert (after.changed_at, after.changed_by, after.revision) == (APRIL, "staff-2", key.revision + 1)
    assert after.planned_at == SELECTED and after.source == "selection"  # the months still count from the selection
    (event,) = after.events
    assert isinstance(event, KeyCasePlanned) and (event.planned_at, event.planned_by) == (APRIL, "staff-2")
    again = plan(replace(after, events=()), lead_leader=" 王副主任", committee="城建环保工委 ", by="x", now=APRIL)
    assert again.events == () and again.revision == after.revision
    assert same_plan(after, lead_leader=" 王副主任 ", committee="城建环保工委")
    assert not same_plan(after, lead_leader="李主任", committee="城建环保工委")


# --------------------------------------------------------------------------- the log


def test_a_monthly_dispatch_is_recorded_and_announced() -> None:
    key = selected()
    after = record(
        key,
        kind="dispatch",
        month="2026-04",
        progress_percent=40,
        findings=" 召开调度会，停车场选址已确定。 ",
        participants=["王副主任", "市住建局 李局长"],
        by="leader-1",
        now=APRIL,
    )
    (entry,) = after.entries
    assert (entry.kind, entry.month, entry.progress_percent, entry.findings, entry.recorded_by) == (
        "dispatch",
        "2026-04",
        40,
        "召开调度会，停车场选址已确定。",
        "leader-1",
    )
    assert entry.held_on is None and entry.participants == ("王副主任", "市住建局 李局长") and entry.id
    assert after.revision == key.revision + 1
    (event,) = after.events
    assert isinstance(event, KeyCaseProgressRecorded)
    assert (event.entry_id, event.kind, event.month, event.progress_percent, event.recorded_at) == (
        entry.id,
        "dispatch",
        "2026-04",
        40,
        APRIL,
    )


def test_a_visit_and_a_meeting_give_their_date_and_participants() -> None:
    key = record(
        selected(),
        kind="visit",
        held_on=date(2026, 4, 10),
        participants=["王副主任", "王副主任", "城建环保工委 张委员"],
        findings="视察老城区停车点，群众反映夜间车位紧张。",
        by="staff-1",
        now=APRIL,
    )
    key = record(
        replace(key, events=()),
        kind="meeting",
        held_on=date(2026, 4, 12),
        participants=["市住建局"],
        progress_percent=45,
        findings="推进会：明确二季度新增车位500个。",
        by="staff-1",
        now=APRIL,
    )
    visit, meeting = key.entries
    assert (visit.kind, visit.month, visit.held_on, visit.participants) == (
        "visit",
        "2026-04",
        date(2026, 4, 10),
        ("王副主任", "城建环保工委 张委员"),
    )
    assert (meeting.kind, meeting.progress_percent) == ("meeting", 45)
    (event,) = key.events
    assert isinstance(event, KeyCaseProgressRecorded) and (event.kind, event.month) == ("meeting", "")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"month": ""}, "key.entry_month_required"),
        ({"month": "2026-4"}, "key.entry_month_invalid"),
        ({"month": "2026-13"}, "key.entry_month_invalid"),
        ({"month": "四月"}, "key.entry_month_invalid"),
        ({"month": "2026-05"}, "key.month_in_future"),
        ({"month": "2026-02"}, "key.month_before_plan"),
        ({"progress_percent": None}, "key.progress_required"),
        ({"progress_percent": 101}, "key.progress_invalid"),
        ({"progress_percent": -1}, "key.progress_invalid"),
        ({"progress_percent": True}, "key.progress_invalid"),
        ({"findings": "  "}, "key.findings_required"),
        ({"findings": "很" * (FINDINGS_MAX + 1)}, "key.findings_too_long"),
        ({"held_on": date(2026, 4, 16)}, "key.date_in_future"),
        ({"held_on": date(2026, 3, 19)}, "key.date_before_plan"),
        ({"participants": [" "]}, "key.participants_invalid"),
        ({"participants": ["人" * (NAME_MAX + 1)]}, "key.participants_invalid"),
        ({"participants": [f"p{i}" for i in range(PARTICIPANTS_MAX + 1)]}, "key.participants_invalid"),
        ({"kind": "inspection"}, "key.entry_kind_invalid"),
    ],
)
def test_a_dispatch_breaking_a_rule_is_refused_with_its_code(fields: dict[str, Any], code: str) -> None:
    base: dict[str, Any] = {
        "kind": "dispatch",
        "month": "2026-04",
        "progress_percent": 30,
        "findings": "进展顺利。",
        "by": "s",
        "now": APRIL,
    }
    assert code_of(lambda: record(selected(), **{**base, **fields})) == code


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"held_on": None}, "key.entry_date_required"),
        ({"month": "2026-04"}, "key.month_only_for_dispatch"),
        ({"participants": []}, "key.participants_required"),
        ({"progress_percent": 120}, "key.progress_invalid"),
        ({"findings": ""}, "key.findings_required"),
    ],
)
def test_a_visit_breaking_a_rule_is_refused_with_its_code(fields: dict[str, Any], code: str) -> None:
    base: dict[str, Any] = {
        "kind": "visit",
        "held_on": date(2026, 4, 2),
        "participants": ["王副主任"],
        "findings": "视察。",
        "by": "s",
        "now": APRIL,
    }
    assert code_of(lambda: record(selected(), **{**base, **fields})) == code


def test_a_second_dispatch_of_a_month_is_refused_and_the_first_stays() -> None:
    key = dispatch(selected(), "2026-03", 10)
    with pytest.raises(Conflict) as caught:
        dispatch(key, "2026-03", 20)
    assert caught.value.code == "key.dispatch_repeated" and caught.value.details == {"month": "2026-03"}
    assert [e.progress_percent for e in key.entries] == [10]
    # a visit in the same month is fine
    visit = record(
        key, kind="visit", held_on=date(2026, 3, 25), participants=["张委员"], findings="调研。", by="s", now=APRIL
    )
    assert len(visit.entries) == 2


def test_the_log_has_a_limit() -> None:
    key = selected()
    entry = dispatch(key, "2026-03").entries[0]
    full = replace(key, entries=tuple(replace(entry, id=str(n), kind="visit") for n in range(ENTRIES_MAX)))
    assert code_of(lambda: dispatch(full, "2026-04")) == "key.entries_full"


def test_months_are_written_yyyy_mm() -> None:
    assert check_month(" 2026-04 ") == "2026-04"
    assert code_of(lambda: check_month("2026-00")) == "key.entry_month_invalid"


def test_months_are_local_months() -> None:
    # 1 April 00:30 in Shanghai is still 31 March in UTC: the plan starts in April, and April is the current month
    key = from_selection(ledger_case(), year=2026, selected_at=at(2026, 4, 1, 0, 30), ballot_id=None)
    assert key.start_month == "2026-04"
    now = at(2026, 4, 1, 1)
    assert code_of(lambda: dispatch(replace(key, events=()), "2026-03", now=now)) == "key.month_before_plan"
    assert dispatch(replace(key, events=()), "2026-04", now=now).entries[0].month == "2026-04"


# --------------------------------------------------------------------------- progress


def test_progress_shows_the_past_months_without_a_dispatch_as_missing() -> None:
    key = selected()  # planned 20 March 2026
    key = dispatch(key, "2026-03", 10, now=at(2026, 6, 3))
    key = dispatch(key, "2026-05", 50, now=at(2026, 6, 3))
    key = dispatch(key, "2026-06", 60, now=at(2026, 6, 3))
    key = replace(
        record(
            key,
            kind="meeting",
            held_on=date(2026, 6, 2),
            participants=["市住建局"],
            findings="推进会。",
            by="s",
            now=at(2026, 6, 3),
        ),
        events=(),
    )
    p = progress(key, today=date(2026, 6, 20))
    assert (p.start_month, p.current_month) == ("2026-03", "2026-06")
    assert p.months_elapsed == ("2026-03", "2026-04", "2026-05")
    assert p.months_dispatched == ("2026-03", "2026-05", "2026-06")
    assert p.months_missing == ("2026-04",)
    assert p.current_dispatched
    assert (p.entries, p.dispatches, p.visits, p.meetings) == (4, 3, 0, 1)
    assert (p.latest_percent, p.latest_month) == (60, "2026-06")


def test_the_current_month_is_not_missing_yet_and_a_fresh_plan_misses_nothing() -> None:
    p = progress(selected(), today=date(2026, 3, 31))
    assert (p.months_elapsed, p.months_missing, p.current_dispatched, p.latest_percent) == ((), (), False, None)
    p = progress(selected(), today=date(2026, 4, 1))
    assert p.months_missing == ("2026-03",) and p.latest_month == ""


def test_months_run_across_the_year_end() -> None:
    key = from_selection(ledger_case(), year=2026, selected_at=at(2026, 11, 5, 9), ballot_id=None)
    p = progress(replace(key, events=()), today=date(2027, 2, 1))
    assert p.months_elapsed == ("2026-11", "2026-12", "2027-01")


def test_a_late_entry_for_an_earlier_month_does_not_override_the_latest_figure() -> None:
    key = dispatch(selected(), "2026-05", 70, now=at(2026, 5, 30))
    key = dispatch(key, "2026-04", 40, now=at(2026, 5, 30))  # April's, recorded late
    assert progress(key, today=date(2026, 5, 30)).latest_percent == 70
    key = dispatch(key, "2026-03", 20, now=at(2026, 5, 30))
    same_month = record(
        key,
        kind="meeting",
        held_on=date(2026, 5, 28),
        participants=["a"],
        progress_percent=75,
        findings="推进会。",
        by="s",
        now=at(2026, 5, 30),
    )
    assert progress(same_month, today=date(2026, 5, 30)).latest_percent == 75  # same month: the last recorded


def test_no_dispatch_is_due_after_the_case_ended() -> None:
    key = dispatch(selected(), "2026-03", 10, now=at(2026, 4, 2))
    closed = ledger_case(status=Status.CLOSED, closed_at=at(2026, 5, 10, 9))
    assert ended_on(closed) == date(2026, 5, 10)
    assert ended_on(ledger_case()) is None
    p = progress(key, today=date(2026, 9, 1), ended=ended_on(closed))
    assert p.months_elapsed == ("2026-03", "2026-04") and p.months_missing == ("2026-04",)
    assert progress(key, today=date(2026, 9, 1), ended=date(2026, 2, 1)).months_elapsed == ()


def test_invalid_is_a_422_and_conflict_a_409() -> None:
    assert Invalid.status_code == 422 and Conflict.status_code == 409
