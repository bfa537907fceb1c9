"""Ballots' rules (票决, 民主评议): creating and opening, who may vote and what a vote may say, the tallies, the
60% rules at their boundaries, and the chair meeting's final list. Pure: no servers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

from services.evaluation.ballots import (
    ITEMS_MAX,
    TITLE_MAX,
    VOTERS_MAX,
    Ballot,
    Item,
    Mark,
    Rules,
    Vote,
    Voter,
    begin_close,
    check_vote,
    count_marks,
    count_picks,
    create,
    decide,
    finish_close,
    may_vote,
    open_ballot,
    outcome_of,
    record_final_list,
    satisfaction,
)
from shared.contracts.evaluation import (
    BallotClosed,
    BallotOpened,
    EvaluationOutcome,
    KeySuggestionsSelected,
    TallyLine,
)
from shared.errors import Conflict, DomainError, Forbidden, Invalid

NOW = datetime(2026, 12, 20, 2, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


def voters(n: int) -> list[Voter]:
    return [Voter(id=f"v{k:03d}", name=f"代表{k}") for k in range(n)]


def selection(**overrides: Any) -> Ballot:
    fields: dict[str, Any] = {
        "ballot_id": "b1",
        "congress_id": "city-15",
        "kind": "key_selection",
        "title": "2026年重点建议票决",
        "year": 2026,
        "items": [Item(id=f"s-{k}", label=f"建议{k}") for k in range(1, 6)],
        "voters": voters(3),
        "max_picks": 2,
        "by": "staff-1",
        "now": NOW,
    }
    fields.update(overrides)
    return create(**fields)


def evaluation(**overrides: Any) -> Ballot:
    fields: dict[str, Any] = {
        "ballot_id": "b2",
        "congress_id": "city-15",
        "kind": "democratic_evaluation",
        "title": "2026年承办单位民主评议",
        "year": 2026,
        "items": [Item(id="u-jianshe", label="市住建局"), Item(id="u-jiaotong", label="市交通局")],
        "voters": voters(5),
        "by": "staff-1",
        "now": NOW,
    }
    fields.update(overrides)
    return create(**fields)


def opened(ballot: Ballot) -> Ballot:
    return replace(open_ballot(ballot, by="staff-1", now=NOW), events=())


def code(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


# --------------------------------------------------------------------------- creating and opening


def test_a_new_ballot_is_a_draft_with_the_default_rules_and_announces_nothing() -> None:
    b = evaluation()
    assert b.state == "draft" and b.events == () and b.secret and not b.public_results
    assert b.rules == Rules(pass_threshold=0.6, continue_threshold=0.5, satisfaction_formula="satisfied_and_basic")
    assert selection().rules is None and selection().max_picks == 2


def test_opening_announces_the_ballot_once() -> None:
    b = open_ballot(selection(closes_at=LATER), by="staff-2", now=NOW)
    assert b.state == "open" and b.opened_by == "staff-2" and b.revision == 2
    (event,) = b.events
    assert isinstance(event, BallotOpened)
    assert event.items == ["s-1", "s-2", "s-3", "s-4", "s-5"] and event.voters == ["v000", "v001", "v002"]
    assert event.secret and event.closes_at == LATER
    with pytest.raises(Conflict) as exc:
        open_ballot(b, by="staff-2", now=NOW)
    assert code(exc) == "ballot.not_draft"
    with pytest.raises(Conflict) as exc:
        open_ballot(selection(closes_at=LATER), by="staff-2", now=LATER)
    assert code(exc) == "ballot.closes_at_past"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"kind": "poll"}, "ballot.kind_invalid"),
        ({"title": "  "}, "ballot.title_required"),
        ({"title": "x" * (TITLE_MAX + 1)}, "ballot.title_too_long"),
        ({"year": 1999}, "ballot.year_invalid"),
        ({"items": []}, "ballot.items_required"),
        ({"items": [Item(id=f"s{k}") for k in range(ITEMS_MAX + 1)]}, "ballot.items_too_many"),
        ({"items": [Item(id="s 1")]}, "ballot.item_invalid"),
        ({"items": [Item(id="")]}, "ballot.item_invalid"),
        ({"items": [Item(id="s1"), Item(id="s1")]}, "ballot.item_repeated"),
        ({"voters": []}, "ballot.voters_required"),
        ({"voters": voters(VOTERS_MAX + 1)}, "ballot.voters_too_many"),
        ({"voters": [Voter(id="a"), Voter(id="a")]}, "ballot.voter_repeated"),
        ({"max_picks": None}, "ballot.max_picks_required"),
        ({"max_picks": 0}, "ballot.max_picks_invalid"),
        ({"max_picks": 6}, "ballot.max_picks_invalid"),
        ({"pass_threshold": 0.6}, "ballot.rules_only_for_democratic_evaluation"),
        ({"closes_at": NOW}, "ballot.closes_at_past"),
    ],
)
def test_a_key_selection_with_bad_fields_is_refused(overrides: dict[str, Any], expected: str) -> None:
    with pytest.raises(Invalid) as exc:
        selection(**overrides)
    assert code(exc) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"max_picks": 1}, "ballot.max_picks_only_for_key_selection"),
        ({"pass_threshold": 0}, "ballot.threshold_invalid"),
        ({"pass_threshold": 1.01}, "ballot.threshold_invalid"),
        ({"continue_threshold": 1}, "ballot.threshold_invalid"),
        ({"continue_threshold": -0.1}, "ballot.threshold_invalid"),
        ({"satisfaction_formula": "all"}, "ballot.formula_invalid"),
    ],
)
def test_a_democratic_evaluation_with_bad_rules_is_refused(overrides: dict[str, Any], expected: str) -> None:
    with pytest.raises(Invalid) as exc:
        evaluation(**overrides)
    assert code(exc) == expected


# --------------------------------------------------------------------------- voting


def test_only_a_voter_on_the_list_votes_and_only_while_open_and_before_closes_at() -> None:
    draft = selection(closes_at=LATER)
    with pytest.raises(Conflict) as exc:
        may_vote(draft, "v000", NOW)
    assert code(exc) == "ballot.not_open"
    b = opened(draft)
    assert may_vote(b, "v001", NOW).name == "代表1"
    with pytest.raises(Forbidden) as f:
        may_vote(b, "outsider", NOW)
    assert f.value.code == "ballot.not_a_voter"
    assert may_vote(b, "v001", LATER - timedelta(microseconds=1))
    with pytest.raises(Conflict) as exc:
        may_vote(b, "v001", LATER)  # closes_at reached: no vote, even before the sweep closes it
    assert code(exc) == "ballot.closed"
    assert b.due(LATER) and not b.due(LATER - timedelta(seconds=1))
    closing = begin_close(b, by="staff-1", now=NOW)
    with pytest.raises(Conflict) as exc:
        may_vote(closing, "v001", NOW)
    assert code(exc) == "ballot.closed"


def test_a_key_selection_vote_picks_one_to_n_distinct_items_of_the_ballot() -> None:
    b = opened(selection())
    assert check_vote(b, picks=[" s-2 ", "s-5"]) == Vote(picks=("s-2", "s-5"))
    for picks, expected in (
        ([], "ballot.picks_required"),
        (None, "ballot.picks_required"),
        (["s-1", "s-1"], "ballot.pick_repeated"),
        (["s-1", "s-2", "s-3"], "ballot.too_many_picks"),
        (["s-9"], "ballot.unknown_item"),
    ):
        with pytest.raises(Invalid) as exc:
            check_vote(b, picks=picks)
        assert code(exc) == expected
    with pytest.raises(Invalid) as exc:
        check_vote(b, marks=[Mark(item_id="s-1", choice="satisfied")])
    assert code(exc) == "ballot.vote_kind_mismatch"


def test_a_democratic_evaluation_vote_marks_items_of_the_ballot_once_each() -> None:
    b = opened(evaluation())
    vote = check_vote(b, marks=[Mark(item_id="u-jiaotong", choice="unsatisfied", continue_handling=True)])
    assert vote.item_ids == ("u-jiaotong",) and vote.picks == ()
    for marks, expected in (
        ([], "ballot.marks_required"),
        ([Mark("u-jianshe", "satisfied"), Mark("u-jianshe", "unsatisfied")], "ballot.mark_repeated"),
        ([Mark("u-other", "satisfied")], "ballot.unknown_item"),
        ([Mark("u-jianshe", "great")], "ballot.choice_invalid"),  # type: ignore[arg-type]
    ):
        with pytest.raises(Invalid) as exc:
            check_vote(b, marks=marks)
        assert code(exc) == expected
    with pytest.raises(Invalid) as exc:
        check_vote(b, picks=["u-jianshe"])
    assert code(exc) == "ballot.vote_kind_mismatch"


# --------------------------------------------------------------------------- tallies


def test_a_key_selection_ranks_by_votes_with_equal_ranks_for_ties_listed_by_item_id() -> None:
    b = opened(selection(items=[Item(id=i) for i in ("s-c", "s-a", "s-b", "s-d", "s-e")], max_picks=3))
    votes = [Vote(picks=p) for p in (("s-b", "s-c"), ("s-c", "s-a"), ("s-b", "s-c", "s-d"), ("s-a",))]
    tally = count_picks(b, votes)
    assert [(t.item_id, t.votes, t.rank) for t in tally] == [
        ("s-c", 3, 1),
        ("s-a", 2, 2),
        ("s-b", 2, 2),
        ("s-d", 1, 4),
        ("s-e", 0, 5),
    ]
    assert [t.rank for t in count_picks(b, [])] == [1, 1, 1, 1, 1]


def test_a_democratic_evaluation_counts_each_item_over_its_own_valid_votes() -> None:
    b = opened(evaluation())
    votes = [
        Vote(marks=(Mark("u-jianshe", "satisfied"), Mark("u-jiaotong", "unsatisfied", True))),
        Vote(marks=(Mark("u-jianshe", "basically_satisfied", True),)),
        Vote(marks=(Mark("u-jianshe", "unsatisfied"),)),
    ]
    jianshe, jiaotong = count_marks(b, votes)
    assert (jianshe.votes, jianshe.satisfied, jianshe.basically_satisfied, jianshe.unsatisfied) == (3, 1, 1, 1)
    assert jianshe.continue_handling == 1 and jianshe.satisfaction_rate == pytest.approx(2 / 3)
    assert (jiaotong.votes, jiaotong.unsatisfied, jiaotong.continue_handling) == (1, 1, 1)
    assert jiaotong.satisfaction_rate == 0.0
    only = opened(evaluation(satisfaction_formula="satisfied_only"))
    assert count_marks(only, votes)[0].satisfaction_rate == pytest.approx(1 / 3)
    assert count_marks(b, [])[0].satisfaction_rate is None


def test_satisfaction_follows_the_formula_and_has_no_rate_without_votes() -> None:
    assert satisfaction(3, 3, 10, "satisfied_and_basic") == Fraction(3, 5)
    assert satisfaction(3, 3, 10, "satisfied_only") == Fraction(3, 10)
    assert satisfaction(0, 0, 0, "satisfied_and_basic") is None


# --------------------------------------------------------------------------- the 60% rules


RULES = Rules()


@pytest.mark.parametrize(
    ("good", "valid", "expected"),
    [
        (5999, 10000, "re_evaluate_next_year"),  # 59.99%
        (6000, 10000, "passed"),  # exactly 60% is not below
        (6001, 10000, "passed"),  # 60.01%
        (3, 5, "passed"),  # 3/5 is exactly 0.6 (not the nearest binary float)
        (59, 100, "re_evaluate_next_year"),
    ],
)
def test_the_60_percent_boundary(good: int, valid: int, expected: str) -> None:
    outcome, below = outcome_of(Fraction(good, valid), Fraction(0), RULES, below_last_year=False)
    assert outcome == expected
    assert below == (expected != "passed")


def test_below_60_percent_two_years_running_goes_to_special_inquiry() -> None:
    assert outcome_of(Fraction(5999, 10000), Fraction(0), RULES, below_last_year=True) == ("special_inquiry", True)
    # last year below, this year exactly 60%: not two years running
    assert outcome_of(Fraction(3, 5), Fraction(0), RULES, below_last_year=True) == ("passed", False)


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (Fraction(1, 2), "passed"),  # exactly half asking to continue is not more than half
        (Fraction(51, 100), "chair_decides_continuation"),
        (Fraction(52, 100), "chair_decides_continuation"),  # one city: 98% satisfied, 52% asked to continue
        (Fraction(49, 100), "passed"),
    ],
)
def test_more_than_half_asking_to_continue_goes_to_the_chair_meeting(share: Fraction, expected: str) -> None:
    assert outcome_of(Fraction(98, 100), share, RULES, below_last_year=False)[0] == expected


def test_below_60_percent_wins_over_asking_to_continue() -> None:
    assert outcome_of(Fraction(1, 2), Fraction(9, 10), RULES, below_last_year=False)[0] == "re_evaluate_next_year"


def test_the_rules_are_the_ballots_own() -> None:
    strict = Rules(pass_threshold=0.8, continue_threshold=0.3, satisfaction_formula="satisfied_only")
    assert outcome_of(Fraction(79, 100), Fraction(0), strict, below_last_year=False)[0] == "re_evaluate_next_year"
    assert outcome_of(Fraction(4, 5), Fraction(3, 10), strict, below_last_year=False)[0] == "passed"
    assert outcome_of(Fraction(4, 5), Fraction(31, 100), strict, below_last_year=False)[0] == (
        "chair_decides_continuation"
    )


def test_decide_uses_last_years_record_per_item_and_skips_items_nobody_voted_on() -> None:
    b = opened(evaluation(items=[Item("u1", "甲局"), Item("u2", "乙局"), Item("u3", "丙局")]))
    tally = [
        TallyLine(item_id="u1", label="甲局", votes=10, satisfied=5, unsatisfied=5),
        TallyLine(item_id="u2", label="乙局", votes=10, satisfied=5, unsatisfied=5),
        TallyLine(item_id="u3", label="丙局", votes=0),
    ]
    decisions = decide(b, tally, {"u1": True, "u2": False})
    assert [(d.item_id, d.outcome, d.below) for d in decisions] == [
        ("u1", "special_inquiry", True),
        ("u2", "re_evaluate_next_year", True),
    ]
    assert decisions[0].satisfaction_rate == 0.5 and decisions[0].valid_votes == 10


# --------------------------------------------------------------------------- closing


def test_closing_counts_once_and_announces_the_tally_and_each_outcome() -> None:
    b = opened(evaluation())
    with pytest.raises(Conflict) as exc:
        finish_close(b, [], turnout=0, below_last_year={}, now=NOW)
    assert code(exc) == "ballot.closed"
    closing = begin_close(b, by="staff-1", now=NOW)
    assert closing.state == "closing" and closing.events == ()
    votes = [Vote(marks=(Mark("u-jianshe", "satisfied", True),))] * 3 + [
        Vote(marks=(Mark("u-jianshe", "unsatisfied"),))
    ]
    closed = finish_close(closing, votes, turnout=4, below_last_year={}, now=LATER)
    assert closed.state == "closed" and closed.closed_at == LATER and closed.turnout == 4
    first, outcome = closed.events
    assert isinstance(first, BallotClosed) and first.voters == 5 and first.turnout == 4
    assert [t.item_id for t in first.tally] == ["u-jianshe", "u-jiaotong"]
    assert isinstance(outcome, EvaluationOutcome)
    assert (outcome.item_id, outcome.satisfaction_rate, outcome.continue_share) == ("u-jianshe", 0.75, 0.75)
    assert outcome.outcome == "chair_decides_continuation"
    with pytest.raises(Conflict) as exc:
        begin_close(closed, by="staff-1", now=LATER)
    assert code(exc) == "ballot.closed"
    with pytest.raises(Conflict) as exc:
        begin_close(evaluation(), by="staff-1", now=LATER)
    assert code(exc) == "ballot.not_open"


def test_a_key_selection_closes_without_outcomes() -> None:
    closing = begin_close(opened(selection()), by="", now=NOW)
    closed = finish_close(closing, [Vote(picks=("s-3",))], turnout=1, below_last_year={}, now=NOW)
    (event,) = closed.events
    assert isinstance(event, BallotClosed) and event.tally[0].item_id == "s-3" and closed.decisions == ()


# --------------------------------------------------------------------------- the final list


def closed_selection() -> Ballot:
    closing = begin_close(opened(selection()), by="staff-1", now=NOW)
    return replace(finish_close(closing, [], turnout=0, below_last_year={}, now=NOW), events=())


def test_the_final_list_is_any_subset_of_the_items_in_any_order_recorded_once() -> None:
    b = closed_selection()
    after = record_final_list(b, case_ids=["s-4", "s-1"], note="主任会议确定", by="staff-1", now=LATER)
    (event,) = after.events
    assert isinstance(event, KeySuggestionsSelected)
    assert event.case_ids == ["s-4", "s-1"] and event.ballot_id == "b1" and event.year == 2026
    assert after.final_list is not None and after.final_list.note == "主任会议确定"
    same = replace(after, events=())
    assert record_final_list(same, case_ids=["s-4", "s-1"], note="", by="staff-2", now=LATER) is same
    with pytest.raises(Conflict) as exc:
        record_final_list(same, case_ids=["s-1"], note="", by="staff-2", now=LATER)
    assert code(exc) == "ballot.final_list_recorded"


@pytest.mark.parametrize(
    ("case_ids", "expected"),
    [
        ([], "ballot.final_list_required"),
        (["s-1", "s-1"], "ballot.final_list_repeated"),
        (["s-99"], "ballot.final_list_not_on_ballot"),
    ],
)
def test_a_bad_final_list_is_refused(case_ids: list[str], expected: str) -> None:
    with pytest.raises(Invalid) as exc:
        record_final_list(closed_selection(), case_ids=case_ids, note="", by="staff-1", now=LATER)
    assert code(exc) == expected


def test_the_final_list_needs_a_closed_key_selection() -> None:
    with pytest.raises(Conflict) as exc:
        record_final_list(opened(selection()), case_ids=["s-1"], note="", by="staff-1", now=LATER)
    assert code(exc) == "ballot.not_closed"
    with pytest.raises(Conflict) as exc:
        record_final_list(opened(evaluation()), case_ids=["u-jianshe"], note="", by="staff-1", now=LATER)
    assert code(exc) == "ballot.wrong_kind"
