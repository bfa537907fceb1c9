"""The rules of handling and supervision (pure: no servers)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.supervision.domain import (
    Case,
    CommitmentIn,
    ItemProgress,
    Status,
    chair_decision,
    decide_extension,
    log_contact,
    next_check_at,
    observe,
    open_case,
    rated,
    reply,
    request_extension,
    review,
    second_reply,
    sign,
)
from services.supervision.policy import Policy
from shared.contracts.assignment import CaseAssigned, Deadlines, UnitRef
from shared.contracts.intake import DeputyRef
from shared.contracts.supervision import (
    CaseClosed,
    CaseReplied,
    CaseUrged,
    LightChanged,
    ReferredToChair,
    RehandlingStarted,
)
from shared.errors import Conflict, Forbidden, Invalid

CST = ZoneInfo("Asia/Shanghai")
POLICY = Policy()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


def assigned(due: date = date(2026, 10, 8), when: datetime | None = None) -> Case:
    assigned_at = when or at(2026, 7, 1, 10)
    event = CaseAssigned(
        case_id="s1",
        congress_id="c1",
        number="15-2-0001",
        title="关于加强城区停车设施建设的建议",
        field="城乡建设",
        lead_deputy=DeputyRef(id="d1", name="屠永芳"),
        lead_unit=UnitRef(unit_id="lead", name="市城市管理局", role="lead"),
        co_units=[UnitRef(unit_id="co", name="市公安局交警支队", role="co")],
        deadlines=Deadlines(
            reply_due_on=due,
            reply_due_at=at(due.year, due.month, due.day, 23),
            co_opinion_due_on=date(2026, 9, 1),
            co_opinion_due_at=at(2026, 9, 1, 23),
            months=3,
        ),
        assigned_at=assigned_at,
        assigned_by="staff-1",
    )
    return open_case(event, policy=POLICY, now=assigned_at)


def events(case: Case, kind: type) -> list:  # type: ignore[type-arg]
    return [e for e in case.events if isinstance(e, kind)]


def walk(case: Case, *moments: datetime) -> tuple[Case, list[object]]:
    """Observe the case at each moment (as the sweep would), collecting the events."""
    seen: list[object] = []
    for moment in moments:
        case = observe(case, now=moment, policy=POLICY)
        seen += case.events
        case = Case(**{**case.__dict__, "events": ()})
    return case, seen


# --- lights across National Day ----------------------------------------------------------------


def test_a_case_with_no_reply_turns_yellow_then_red_at_the_right_moments_across_national_day() -> None:
    # due Thursday 8 October 2026 (1 October, the three-month date, is National Day)
    case = assigned()
    assert case.light == "green" and case.events[0].event_type == "supervision.case.opened.v1"
    yellow_from = at(2026, 9, 23, 0)  # fifteen days before 8 October
    red_from = at(2026, 10, 9, 0)  # the deadline expires at the end of 8 October
    assert next_check_at(case, POLICY) == yellow_from
    case, seen = walk(case, yellow_from - timedelta(milliseconds=1))
    assert case.light == "green" and not [e for e in seen if isinstance(e, LightChanged)]
    case, seen = walk(case, yellow_from)
    assert case.light == "yellow"
    assert [(e.light, e.reasons) for e in seen if isinstance(e, LightChanged)] == [("yellow", ["due_soon"])]
    case, seen = walk(case, at(2026, 10, 8, 23, 59))
    assert case.light == "yellow"
    case, seen = walk(case, red_from)
    assert case.light == "red"
    assert [(e.light, e.previous, e.reasons) for e in seen if isinstance(e, LightChanged)] == [
        ("red", "yellow", ["overdue"])
    ]


def test_reminders_fire_once_each_at_the_configured_points() -> None:
    case = assigned()
    # 15 days before: Wed 23 Sep; 7 days before is 1 Oct and 1 day before is 7 Oct, both National Day:
    # they move to the working day before the holiday, Wed 30 Sep. Overdue: the first working day after
    # the deadline (Fri 9 Oct), then every three working days: Sat 10 Oct is a make-up working day,
    # so 10, 12, 13 Oct → Tue 13 Oct.
    expected = [
        (at(2026, 9, 23, 9), "before_deadline", 15),
        (at(2026, 9, 30, 9), "before_deadline", 8),
        (at(2026, 9, 30, 9), "before_deadline", 8),
        (at(2026, 10, 9, 9), "overdue", -1),
        (at(2026, 10, 13, 9), "overdue", -5),
        (at(2026, 10, 16, 9), "overdue", -8),
    ]
    sent: list[tuple[datetime, str, int]] = []
    moment = at(2026, 9, 1, 0)
    while moment < at(2026, 10, 17, 0):
        case, seen = walk(case, moment)
        sent += [(moment, e.kind, e.days_left) for e in seen if isinstance(e, CaseUrged)]
        moment += timedelta(hours=1)
    assert [(t, k, d) for t, k, d in sent] == expected
    # observing again at any later moment sends nothing twice
    case, seen = walk(case, at(2026, 10, 16, 10), at(2026, 10, 16, 11))
    assert not [e for e in seen if isinstance(e, CaseUrged)]


def test_a_sweep_that_comes_late_sends_each_missed_reminder_once() -> None:
    _, seen = walk(assigned(), at(2026, 10, 2, 12))
    assert [e.days_left for e in seen if isinstance(e, CaseUrged)] == [15, 8, 8]
    assert [e.light for e in seen if isinstance(e, LightChanged)] == ["yellow"]


# --- the units' work ---------------------------------------------------------------------------


def contacted(case: Case, when: datetime = at(2026, 7, 10, 10)) -> Case:
    return log_contact(
        case,
        unit_id="lead",
        stage="on_receipt",
        method="face_to_face",
        held_at=when - timedelta(hours=1),
        deputy_said="希望尽快解决停车难",
        summary="",
        by="lead-1",
        now=when,
        policy=POLICY,
    )


def reply_a(case: Case, when: datetime = at(2026, 8, 1, 10), **kw: object) -> Case:
    values: dict[str, object] = {
        "unit_id": "lead",
        "category": "A",
        "text": "已新建立体停车场三处。",
        "signed_off_by": "王局长",
        "public": True,
        "public_text": "已新建立体停车场三处。",
        "reasons": "",
        "commitments": [],
        "by": "lead-1",
        "now": when,
        "policy": POLICY,
    }
    values.update(kw)
    return reply(case, **values)  # type: ignore[arg-type]


def test_a_reply_without_a_logged_contact_is_refused() -> None:
    with pytest.raises(Conflict) as refused:
        reply_a(assigned())
    assert refused.value.code == "reply.no_contact"
    # a co-unit's contact does not count for the lead unit
    co_contact = log_contact(
        assigned(),
        unit_id="co",
        stage="while_handling",
        method="phone",
        held_at=at(2026, 7, 10, 9),
        deputy_said="好",
        summary="",
        by="co-1",
        now=at(2026, 7, 10, 10),
        policy=POLICY,
    )
    with pytest.raises(Conflict):
        reply_a(co_contact)


def test_only_the_lead_unit_replies_and_units_not_on_the_case_do_nothing() -> None:
    with pytest.raises(Forbidden) as co:
        reply_a(contacted(assigned()), unit_id="co")
    assert co.value.code == "reply.lead_unit_only"
    with pytest.raises(Forbidden) as stranger:
        sign(assigned(), unit_id="other", by="x", now=at(2026, 7, 2), policy=POLICY)
    assert stranger.value.code == "case.not_your_unit"


def test_review_sends_back_then_the_reply_reaches_the_deputy() -> None:
    case = reply_a(contacted(assigned()))
    assert case.status is Status.REPLY_REVIEW
    back = review(
        case, accept=False, reasons=["off_topic"], note="答非所问", by="staff-1", now=at(2026, 8, 2), policy=POLICY
    )
    assert back.status is Status.HANDLING and back.replies[-1].state == "sent_back"
    again = reply_a(back, when=at(2026, 8, 5, 10), text="已新建立体停车场三处，并开放机关停车场错时共享。")
    done = review(again, accept=True, reasons=[], note="", by="staff-1", now=at(2026, 8, 6), policy=POLICY)
    replied = events(done, CaseReplied)
    assert done.status is Status.REPLIED and replied[0].on_time and replied[0].category == "A"


def test_a_b_reply_lists_dated_commitments_and_owes_a_second_reply() -> None:
    items = [
        CommitmentIn("年底前建成立体停车场一处", date(2026, 12, 31)),
        CommitmentIn("明年6月前完成智慧停车平台", date(2027, 6, 30)),
    ]
    with pytest.raises(Invalid) as none:
        reply_a(contacted(assigned()), category="B")
    assert none.value.code == "reply.commitments_required"
    case = reply_a(contacted(assigned()), category="B", commitments=items)
    case = review(case, accept=True, reasons=[], note="", by="s", now=at(2026, 8, 2), policy=POLICY)
    # the last commitment falls due 30 June 2027, but the second reply is owed within six months of the reply
    assert case.second_reply_due_on == date(2027, 2, 2)
    assert [c.state for c in case.commitments] == ["open", "open"]
    first = case.commitments[0].id
    case = second_reply(
        case,
        unit_id="lead",
        text="立体停车场已建成。",
        progress=[ItemProgress(first, True)],
        by="lead-1",
        now=at(2027, 1, 5),
    )
    assert [c.state for c in case.commitments] == ["done", "open"] and not case.became_a
    case = second_reply(
        case,
        unit_id="lead",
        text="平台已上线。",
        progress=[ItemProgress(case.commitments[1].id, True)],
        by="lead-1",
        now=at(2027, 6, 1),
    )
    assert case.became_a


# --- rating, re-handling, the chair meeting ---------------------------------------------------------


def replied_case() -> Case:
    case = reply_a(contacted(assigned()))
    return review(case, accept=True, reasons=[], note="", by="s", now=at(2026, 8, 2), policy=POLICY)


def test_an_unsatisfied_rating_reopens_the_case_with_a_new_deadline() -> None:
    case = rated(
        replied_case(),
        round_=1,
        result="unsatisfied",
        rated_at=at(2026, 8, 20),
        event_id="e1",
        now=at(2026, 8, 20, 10),
        policy=POLICY,
    )
    assert case.status is Status.HANDLING and case.round == 2
    # a month from 20 August is Sunday 20 September 2026 — a make-up working day before National Day, so it stays
    assert case.reply_due_on == date(2026, 9, 20)
    assert events(case, RehandlingStarted)[0].previous_round == 1
    # the same rating delivered again changes nothing
    again = rated(
        case,
        round_=1,
        result="unsatisfied",
        rated_at=at(2026, 8, 20),
        event_id="e1",
        now=at(2026, 8, 21),
        policy=POLICY,
    )
    assert again.round == 2 and again.events == ()
    # a new round needs a new contact before the reply
    with pytest.raises(Conflict):
        reply_a(case, when=at(2026, 9, 1))


def test_after_the_set_number_of_rounds_the_chair_meeting_decides() -> None:
    case = replied_case()
    for round_ in (1, 2):
        case = rated(
            case,
            round_=round_,
            result="unsatisfied",
            rated_at=at(2026, 9, round_),
            event_id=f"e{round_}",
            now=at(2026, 9, round_, 10),
            policy=POLICY,
        )
        case = contacted(case, when=at(2026, 9, round_, 11))
        case = reply_a(case, when=at(2026, 9, round_, 12))
        case = review(case, accept=True, reasons=[], note="", by="s", now=at(2026, 9, round_, 13), policy=POLICY)
    case = rated(
        case,
        round_=3,
        result="unsatisfied",
        rated_at=at(2026, 9, 5),
        event_id="e3",
        now=at(2026, 9, 5, 10),
        policy=POLICY,
    )
    assert case.status is Status.AT_CHAIR and events(case, ReferredToChair)[0].rounds == 2
    closed = chair_decision(
        case, close=True, due_on=None, note="主任会议决定办结", by="s", now=at(2026, 9, 10), policy=POLICY
    )
    assert closed.status is Status.CLOSED and events(closed, CaseClosed)[0].reason == "chair_decision"


def test_a_satisfied_rating_closes_the_case() -> None:
    case = rated(
        replied_case(),
        round_=1,
        result="basically_satisfied",
        rated_at=at(2026, 8, 20),
        event_id="e1",
        now=at(2026, 8, 20),
        policy=POLICY,
    )
    assert case.status is Status.CLOSED and events(case, CaseClosed)[0].category == "A"


# --- extensions -----------------------------------------------------------------------------------


def test_extensions_never_beyond_six_months_unless_the_chair_meeting_decides() -> None:
    case = request_extension(
        assigned(),
        unit_id="lead",
        reason="需协调省级部门",
        due_on=date(2027, 3, 1),
        by="lead-1",
        now=at(2026, 9, 1),
        policy=POLICY,
    )
    ext = case.extensions[0].id
    with pytest.raises(Invalid) as beyond:
        decide_extension(
            case,
            extension_id=ext,
            approve=True,
            due_on=None,
            chair_decision=False,
            note="",
            by="s",
            now=at(2026, 9, 2),
            policy=POLICY,
        )
    # six months from 1 July 2026 (2027's holidays are not in the calendar yet: Friday 1 January counts as working)
    assert beyond.value.code == "extension.beyond_cap" and beyond.value.details["latest"] == "2027-01-01"
    ok = decide_extension(
        case,
        extension_id=ext,
        approve=True,
        due_on=date(2026, 12, 31),
        chair_decision=False,
        note="",
        by="s",
        now=at(2026, 9, 2),
        policy=POLICY,
    )
    assert ok.reply_due_on == date(2026, 12, 31) and ok.light == "green"
    chair = decide_extension(
        case,
        extension_id=ext,
        approve=True,
        due_on=None,
        chair_decision=True,
        note="主任会议同意",
        by="s",
        now=at(2026, 9, 2),
        policy=POLICY,
    )
    assert chair.reply_due_on == date(2027, 3, 1)
