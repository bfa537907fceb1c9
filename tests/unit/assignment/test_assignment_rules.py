"""The rules of a case's way through assignment (pure: no servers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.assignment.domain import (
    Case,
    CaseStatus,
    ChairMeeting,
    TaskState,
    accept,
    assign,
    cancel,
    decide,
    object_to,
    pre_assign,
    reassign,
    receive_registered,
    record_meeting,
    settle,
    take_lead,
)
from services.assignment.policy import Policy, ReassignmentDeadline
from shared.contracts.assignment import (
    CaseAssigned,
    CaseCancelled,
    CaseReassigned,
    LeaderRef,
    NegotiationDecided,
    UnitAccepted,
    UnitObjected,
)
from shared.contracts.intake import DeputyRef, SuggestionRegistered
from shared.errors import Conflict, Invalid, NotFound

CST = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


@dataclass(frozen=True)
class U:
    id: str
    name: str = ""
    coordinator: str = "市政府督查室"
    active: bool = True


UNITS = {u: U(u, f"单位{u}") for u in ("a", "b", "c", "d")} | {"off": U("off", "撤销单位", active=False)}
POLICY = Policy()


def new_case() -> Case:
    event = SuggestionRegistered(
        suggestion_id="s1",
        congress_id="c1",
        session="15-2",
        title="关于加强城区停车设施建设的建议",
        body="建议建设立体停车设施。",
        field="城乡建设",
        kind="session",
        origin="deputy",
        lead_deputy=DeputyRef(id="d1", name="屠永芳"),
        number="15-2-0001",
        sequence=1,
        registered_at=at(2026, 4, 20, 9),
        registered_by="staff-1",
    )
    return receive_registered(event, at(2026, 4, 20, 9, 1))


def pre_assigned(when: datetime = at(2026, 4, 29, 10), co: tuple[str, ...] = ("b",)) -> Case:
    return pre_assign(
        new_case(),
        lead_unit_id="a",
        co_unit_ids=co,
        units=UNITS,
        complex_case=False,
        by="staff-1",
        now=when,
        policy=POLICY,
    )


# --- windows on the Chinese calendar ----------------------------------------------------------


def test_the_window_skips_labour_day_and_counts_the_saturday_make_up_day() -> None:
    # Wed 29 April 2026: 30 Apr (1), 1-5 May off, 6 (2), 7 (3), 8 (4), Sat 9 May is a make-up working day (5)
    assert POLICY.window_last_day(at(2026, 4, 29, 10)) == date(2026, 5, 9)
    assert POLICY.window_closes_at(at(2026, 4, 29, 10)) == at(2026, 5, 10, 0)


def test_a_congress_sets_its_own_window_and_extra_days_off() -> None:
    policy = Policy(objection_window_working_days=3, extra_holidays=(date(2026, 4, 30),))
    assert policy.window_last_day(at(2026, 4, 29, 10)) == date(2026, 5, 8)


def test_a_silent_unit_accepts_exactly_when_its_window_closes() -> None:
    case = pre_assigned()
    closes = at(2026, 5, 10, 0)
    just_before = settle(case, closes - timedelta(microseconds=1))
    assert [t.state for t in just_before.tasks] == [TaskState.PENDING, TaskState.PENDING]
    assert just_before.events == ()
    settled = settle(case, closes)
    assert [t.state for t in settled.tasks] == [TaskState.DEEMED_ACCEPTED] * 2
    assert settled.status is CaseStatus.AGREED
    accepted = [e for e in settled.events if isinstance(e, UnitAccepted)]
    assert [(e.unit.unit_id, e.deemed, e.accepted_at) for e in accepted] == [("a", True, closes), ("b", True, closes)]
    # settling again (a second sweep) changes nothing
    assert settle(settled, closes + timedelta(days=3)).tasks == settled.tasks


def test_after_the_close_a_unit_can_no_longer_object() -> None:
    case = pre_assigned()
    with pytest.raises(Conflict) as refused:
        object_to(
            case, unit_id="a", reason="不属职责", suggested_unit_id=None, units=UNITS, by="x", now=at(2026, 5, 10, 0)
        )
    assert refused.value.code == "pre_assignment.window_closed"


# --- pre-assignment --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "co", "code"),
    [
        ("a", ("a",), "units.repeated"),
        ("a", ("b", "b"), "units.repeated"),
        ("zz", (), "units.unknown"),
        ("a", ("off",), "units.inactive"),
        ("a", tuple(f"x{i}" for i in range(11)), "units.too_many"),
    ],
)
def test_pre_assignment_names_each_known_active_unit_once(lead: str, co: tuple[str, ...], code: str) -> None:
    with pytest.raises(Invalid) as refused:
        pre_assign(
            new_case(),
            lead_unit_id=lead,
            co_unit_ids=co,
            units=UNITS,
            complex_case=False,
            by="s",
            now=at(2026, 4, 29, 10),
            policy=POLICY,
        )
    assert refused.value.code == code


def test_a_case_is_pre_assigned_once() -> None:
    with pytest.raises(Conflict) as refused:
        pre_assign(
            pre_assigned(),
            lead_unit_id="a",
            co_unit_ids=(),
            units=UNITS,
            complex_case=False,
            by="s",
            now=at(2026, 4, 29, 11),
            policy=POLICY,
        )
    assert refused.value.code == "case.not_awaiting_pre_assignment"


def test_every_unit_accepting_makes_the_case_agreed() -> None:
    case = pre_assigned()
    case = accept(case, unit_id="a", by="a-1", now=at(2026, 4, 30, 9))
    assert case.status is CaseStatus.PRE_ASSIGNED
    again = accept(case, unit_id="a", by="a-1", now=at(2026, 4, 30, 10))
    assert again.events == () and again.revision == case.revision
    case = accept(case, unit_id="b", by="b-1", now=at(2026, 4, 30, 11))
    assert case.status is CaseStatus.AGREED


def test_a_unit_not_on_the_case_learns_nothing_of_it() -> None:
    with pytest.raises(NotFound) as refused:
        accept(pre_assigned(), unit_id="c", by="c-1", now=at(2026, 4, 30, 9))
    assert refused.value.code == "pre_assignment.not_found"


# --- negotiation -----------------------------------------------------------------------------


def test_objection_negotiation_new_unit_fresh_window_then_formal_assignment() -> None:
    case = pre_assigned()
    case = object_to(
        case,
        unit_id="a",
        reason="停车设施建设不属我局职责",
        suggested_unit_id="c",
        units=UNITS,
        by="a-1",
        now=at(2026, 4, 30, 9),
    )
    assert case.status is CaseStatus.CONTESTED
    objected = case.events[-1]
    assert isinstance(objected, UnitObjected) and objected.round == 1 and objected.suggested_unit_id == "c"
    case = accept(case, unit_id="b", by="b-1", now=at(2026, 4, 30, 10))
    assert case.status is CaseStatus.CONTESTED
    case = record_meeting(
        case,
        meeting_id="m1",
        held_at=at(2026, 4, 30, 14),
        participants=["a", "c", "督查室"],
        minutes="协商",
        by="s",
        now=at(2026, 4, 30, 15),
    )
    case = decide(
        case,
        lead_unit_id="c",
        co_unit_ids=("b",),
        units=UNITS,
        note="改由c主办",
        chair=None,
        by="s",
        now=at(2026, 4, 30, 16),
        policy=POLICY,
    )
    decided = case.events[-1]
    assert isinstance(decided, NegotiationDecided)
    assert [w.unit_id for w in decided.fresh_windows] == ["c"]
    assert [r.unit_id for r in decided.released] == ["a"]
    # 6, 7, 8, Sat 9 (make-up), 11 May: the fresh window closes at midnight after 11 May
    assert decided.fresh_windows[0].window_closes_at == at(2026, 5, 12, 0)
    assert {t.unit_id: t.state for t in case.tasks} == {"c": TaskState.PENDING, "b": TaskState.ACCEPTED}
    case = accept(case, unit_id="c", by="c-1", now=at(2026, 5, 6, 9))
    assert case.status is CaseStatus.AGREED
    case = assign(case, complex_case=None, batch_id=None, by="s", now=at(2026, 5, 7, 10), policy=POLICY)
    assigned = case.events[-1]
    assert isinstance(assigned, CaseAssigned)
    assert assigned.lead_unit.unit_id == "c" and [u.unit_id for u in assigned.co_units] == ["b"]
    assert assigned.deadlines.reply_due_on == date(2026, 8, 7)
    assert assigned.deadlines.co_opinion_due_on == date(2026, 7, 7)


def test_an_objecting_unit_kept_by_the_decision_is_bound() -> None:
    case = object_to(
        pre_assigned(), unit_id="a", reason="r", suggested_unit_id=None, units=UNITS, by="a-1", now=at(2026, 4, 30, 9)
    )
    case = decide(
        case,
        lead_unit_id="a",
        co_unit_ids=("b",),
        units=UNITS,
        note="",
        chair=None,
        by="s",
        now=at(2026, 4, 30, 16),
        policy=POLICY,
    )
    assert case.task("a").state is TaskState.BOUND  # type: ignore[union-attr]
    assert case.status is CaseStatus.PRE_ASSIGNED  # b still has its window


def test_after_the_last_round_only_the_chair_meeting_decides_and_its_decision_is_final() -> None:
    policy = Policy(max_negotiation_rounds=1)
    case = object_to(
        pre_assigned(), unit_id="a", reason="r", suggested_unit_id="c", units=UNITS, by="a-1", now=at(2026, 4, 30, 9)
    )
    case = decide(
        case,
        lead_unit_id="c",
        co_unit_ids=("b",),
        units=UNITS,
        note="",
        chair=None,
        by="s",
        now=at(2026, 4, 30, 10),
        policy=policy,
    )
    case = object_to(
        case, unit_id="c", reason="也不属我", suggested_unit_id="d", units=UNITS, by="c-1", now=at(2026, 4, 30, 11)
    )
    assert case.open_round is not None and case.open_round.number == 2
    with pytest.raises(Conflict) as refused:
        decide(
            case,
            lead_unit_id="d",
            co_unit_ids=(),
            units=UNITS,
            note="",
            chair=None,
            by="s",
            now=at(2026, 4, 30, 12),
            policy=policy,
        )
    assert refused.value.code == "negotiation.chair_decision_required"
    chair = ChairMeeting(meeting_id="m", held_at=at(2026, 5, 6, 9), participants=["主任"], minutes="决定由c主办")
    case = decide(
        case,
        lead_unit_id="c",
        co_unit_ids=("d",),
        units=UNITS,
        note="",
        chair=chair,
        by="s",
        now=at(2026, 5, 6, 10),
        policy=policy,
    )
    assert case.final and case.status is CaseStatus.AGREED
    assert {t.unit_id: t.state for t in case.tasks} == {"c": TaskState.BOUND, "d": TaskState.BOUND}
    decided = case.events[-1]
    assert isinstance(decided, NegotiationDecided) and decided.final and decided.fresh_windows == []


def test_formal_assignment_needs_every_unit_to_have_accepted() -> None:
    with pytest.raises(Conflict) as refused:
        assign(pre_assigned(), complex_case=None, batch_id=None, by="s", now=at(2026, 4, 30, 9), policy=POLICY)
    assert refused.value.code == "assignment.not_agreed"
    assert refused.value.details["waiting_for"] == ["a", "b"]


# --- deadlines -------------------------------------------------------------------------------


def test_a_deadline_on_national_day_moves_to_the_first_working_day_after() -> None:
    d = POLICY.deadlines(at(2026, 7, 1, 10), complex_case=False)
    assert (d.reply_due_on, d.co_opinion_due_on, d.months) == (date(2026, 10, 8), date(2026, 9, 1), 3)
    assert d.reply_due_at == datetime(2026, 10, 8, 23, 59, 59, 999000, tzinfo=CST)
    complex_ = POLICY.deadlines(at(2026, 4, 1, 10), complex_case=True)
    assert (complex_.reply_due_on, complex_.co_opinion_due_on, complex_.months) == (
        date(2026, 10, 8),
        date(2026, 9, 1),
        6,
    )
    kept = Policy(deadline_to_working_day=False).deadlines(at(2026, 7, 1, 10), complex_case=False)
    assert kept.reply_due_on == date(2026, 10, 1)


def test_a_deadline_in_a_year_the_calendar_does_not_cover_is_flagged() -> None:
    assert not POLICY.deadlines(at(2026, 11, 2, 10), complex_case=False).calendar_covered


def test_settings_that_make_no_sense_are_refused() -> None:
    with pytest.raises(Invalid) as refused:
        Policy(reply_months=3, complex_reply_months=2, co_opinion_months_earlier=3)
    assert refused.value.code == "settings.invalid"
    assert len(refused.value.details["problems"]) == 2


# --- after formal assignment -----------------------------------------------------------------


def assigned_case() -> Case:
    case = settle(pre_assigned(), at(2026, 5, 10, 0))
    return assign(case, complex_case=None, batch_id=None, by="s", now=at(2026, 5, 11, 10), policy=POLICY)


def test_reassignment_of_the_lead_restarts_the_deadlines_by_default() -> None:
    case = reassign(
        assigned_case(),
        lead_unit_id="c",
        co_unit_ids=("b",),
        units=UNITS,
        reason="职能调整",
        by="s",
        now=at(2026, 6, 1, 10),
        policy=POLICY,
    )
    event = case.events[-1]
    assert isinstance(event, CaseReassigned) and event.deadlines_restarted
    assert event.deadlines.reply_due_on == date(2026, 9, 1)
    assert [u.unit_id for u in event.released] == ["a"] and [u.unit_id for u in event.added] == ["c"]


def test_a_congress_may_keep_the_deadlines_on_reassignment() -> None:
    policy = Policy(reassignment_deadline=ReassignmentDeadline.KEEP)
    before = assigned_case()
    case = reassign(
        before,
        lead_unit_id="c",
        co_unit_ids=(),
        units=UNITS,
        reason="职能调整",
        by="s",
        now=at(2026, 6, 1, 10),
        policy=policy,
    )
    assert case.assignment is not None and before.assignment is not None
    assert case.assignment.deadlines == before.assignment.deadlines


def test_reassignment_needs_a_reason_and_a_change() -> None:
    with pytest.raises(Invalid) as no_reason:
        reassign(
            assigned_case(),
            lead_unit_id="c",
            co_unit_ids=(),
            units=UNITS,
            reason=" ",
            by="s",
            now=at(2026, 6, 1),
            policy=POLICY,
        )
    assert no_reason.value.code == "reassignment.reason_required"
    with pytest.raises(Invalid) as same:
        reassign(
            assigned_case(),
            lead_unit_id="a",
            co_unit_ids=("b",),
            units=UNITS,
            reason="r",
            by="s",
            now=at(2026, 6, 1),
            policy=POLICY,
        )
    assert same.value.code == "reassignment.no_change"


def test_a_leader_takes_a_case_once() -> None:
    leader = LeaderRef(id="l1", name="张主任")
    case = take_lead(assigned_case(), leader=leader, by="l1", now=at(2026, 6, 1, 10))
    assert case.leader is not None and len(case.events) == 1
    again = take_lead(case, leader=leader, by="l1", now=at(2026, 6, 2, 10))
    assert again.events == () and again.revision == case.revision


def test_a_merged_case_tells_its_units_and_stops() -> None:
    case = cancel(assigned_case(), reason="merged", merged_into="s0", now=at(2026, 6, 1, 10))
    assert case.status is CaseStatus.MERGED
    event = case.events[-1]
    assert isinstance(event, CaseCancelled) and event.was_assigned and [u.unit_id for u in event.units] == ["a", "b"]
    assert cancel(new_case(), reason="withdrawn", merged_into=None, now=at(2026, 6, 1)).events == ()
