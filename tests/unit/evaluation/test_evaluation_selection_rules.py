"""Unit figures from case records, the unit assessment (考核) and the yearly selections. Pure: no servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.evaluation.selections import (
    DEFAULT_MAXIMA,
    Assessment,
    Candidate,
    CaseRecord,
    Part,
    Selection,
    UnitFigures,
    choose,
    grade_of,
    lines,
    new_selection,
    publish_assessment,
    publish_selection,
    same_listing,
    score_unit,
    set_maxima,
    unit_figures,
    warnings,
)
from shared.contracts.evaluation import AssessmentPublished, SelectionPublished
from shared.errors import Conflict, DomainError, Invalid

NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)
PAST = NOW - timedelta(days=30)
LATER = NOW + timedelta(days=30)


def codes(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


# --- figures ---------------------------------------------------------------------------------------


def record(case_id: str, unit: str = "u1", **kw: Any) -> CaseRecord:
    return CaseRecord(case_id=case_id, lead_unit_id=unit, lead_unit_name=f"单位{unit}", **kw)


def test_figures_count_each_lead_units_cases() -> None:
    records = [
        record("a", replies={1: True}, contacts=2, closed=True, results={1: "satisfied"}),
        record("b", replies={1: False, 2: True}, contacts=1, results={1: "unsatisfied", 2: "basically_satisfied"}),
        record("c", reply_due_at=PAST),  # overdue, no reply
        record("d", reply_due_at=LATER),  # not due yet
        record("e", replies={1: True}, results={1: "unsatisfied"}),
        record("x", cancelled=True, replies={1: True}),  # left out
        record("f", unit="u2", replies={1: True}, contacts=1, closed=True, results={1: "satisfied"}),
    ]
    figures = unit_figures(records, now=NOW)
    assert list(figures) == ["u1", "u2"]
    u1 = figures["u1"]
    assert (u1.cases, u1.replied, u1.due, u1.on_time, u1.overdue, u1.closed, u1.contacted) == (5, 3, 4, 2, 1, 1, 2)
    assert (u1.rated, u1.satisfied, u1.basically_satisfied, u1.unsatisfied) == (3, 1, 1, 1)
    assert u1.on_time_rate == 0.5
    assert u1.contact_rate == 0.4
    assert u1.completion_rate == 0.2
    assert u1.satisfaction_rate == round(2 / 3, 4)
    assert u1.unit_name == "单位u1"
    assert figures["u2"].on_time_rate == 1.0


def test_on_time_is_the_first_rounds_and_the_result_the_last_rounds() -> None:
    late_first = record("a", replies={2: True, 1: False}, results={2: "unsatisfied", 1: "satisfied"})
    f = unit_figures([late_first], now=NOW)["u1"]
    assert (f.on_time, f.unsatisfied, f.satisfied) == (0, 1, 0)


def test_rates_without_denominator_are_none_and_a_closed_case_past_due_is_not_overdue() -> None:
    f = unit_figures([record("a", reply_due_at=PAST, closed=True)], now=NOW)["u1"]
    assert (f.due, f.overdue) == (0, 0)
    assert f.on_time_rate is None and f.satisfaction_rate is None
    assert f.completion_rate == 1.0


# --- assessment ------------------------------------------------------------------------------------


def full_figures(unit: str = "u1", **kw: Any) -> UnitFigures:
    values: dict[str, Any] = {
        "cases": 10,
        "replied": 10,
        "due": 10,
        "on_time": 9,
        "closed": 8,
        "contacted": 10,
        "rated": 10,
        "satisfied": 7,
        "basically_satisfied": 1,
        "unsatisfied": 2,
    }
    values.update(kw)
    return UnitFigures(unit_id=unit, unit_name=f"单位{unit}", **values)


def scored(a: Assessment, unit: str, notes: dict[Part, str] | None = None, **scores: float | None) -> Assessment:
    return score_unit(a, unit, scores=scores, notes=notes or {}, by="staff-1", now=NOW)  # type: ignore[arg-type]


def test_the_figures_prefill_contact_reply_standard_and_results() -> None:
    a = Assessment(congress_id="c", year=2026)
    [line] = lines(a, {"u1": full_figures()})
    parts = {p.part: p for p in line.parts}
    assert parts["contact"].value == 20.0 and parts["contact"].source == "figures"
    assert parts["reply_standard"].value == 18.0  # 20 × 0.9
    assert parts["results"].value == 32.0  # 40 × 0.8
    assert parts["rules"].value is None and parts["rules"].source == "none"
    assert not line.complete and line.rank is None and line.grade is None
    assert line.total == 70.0 and line.max_total == 100.0


def test_staff_scores_complete_a_line_and_an_override_needs_a_note() -> None:
    a = Assessment(congress_id="c", year=2026)
    with pytest.raises(Invalid) as exc:
        scored(a, "u1", rules=8, results=38)
    assert codes(exc) == "assessment.override_note_required"
    assert exc.value.details["parts"] == ["results"]
    a = scored(a, "u1", {"results": "第三方评估认为成效显著"}, rules=8, staffing=9, results=38)
    assert a.revision == 1
    [line] = lines(a, {"u1": full_figures()})
    parts = {p.part: p for p in line.parts}
    assert parts["results"].value == 38 and parts["results"].source == "staff" and parts["results"].figure == 32.0
    assert parts["results"].note == "第三方评估认为成效显著"
    assert line.complete and line.total == 8 + 9 + 20 + 18 + 38 and line.grade == "excellent" and line.rank == 1


def test_scores_are_checked_against_the_maxima() -> None:
    a = Assessment(congress_id="c", year=2026)
    with pytest.raises(Invalid) as exc:
        scored(a, "u1", rules=11)
    assert codes(exc) == "assessment.score_out_of_range"
    with pytest.raises(Invalid) as exc:
        scored(a, "u1", staffing=float("nan"))
    assert codes(exc) == "assessment.score_out_of_range"
    with pytest.raises(Invalid) as exc:
        scored(a, "u1", rules=-1)
    assert codes(exc) == "assessment.score_out_of_range"


def test_maxima_are_set_per_assessment_and_keep_scores_within() -> None:
    a = scored(Assessment(congress_id="c", year=2026), "u1", rules=8, staffing=8)
    with pytest.raises(Conflict) as exc:
        set_maxima(a, {"rules": 5}, by="s", now=NOW)
    assert codes(exc) == "assessment.score_above_max" and exc.value.details["units"] == ["u1"]
    with pytest.raises(Invalid) as exc2:
        set_maxima(a, {p: 0 for p in DEFAULT_MAXIMA}, by="s", now=NOW)
    assert codes(exc2) == "assessment.maxima_invalid"
    b = set_maxima(a, {"rules": 20, "results": 30}, by="s", now=NOW)
    assert b.maxima["rules"] == 20 and b.maxima["results"] == 30 and b.maxima["contact"] == 20
    assert set_maxima(b, dict(b.maxima), by="s", now=NOW) is b
    [line] = lines(b, {"u1": full_figures()})
    assert {p.part: p.value for p in line.parts}["results"] == 24.0  # 30 × 0.8


def test_ranking_shares_ranks_and_puts_incomplete_units_last() -> None:
    figures = {u: full_figures(u) for u in ("u1", "u2", "u3", "u4")}
    a = Assessment(congress_id="c", year=2026)
    a = scored(a, "u1", rules=5, staffing=5)
    a = scored(a, "u2", rules=10, staffing=10)
    a = scored(a, "u3", rules=5, staffing=5)
    ranked_lines = lines(a, figures)
    assert [(x.unit_id, x.rank) for x in ranked_lines] == [("u2", 1), ("u1", 2), ("u3", 2), ("u4", None)]


def test_grades() -> None:
    assert grade_of(90, 100) == "excellent"
    assert grade_of(89.99, 100) == "good"
    assert grade_of(60, 100) == "pass"
    assert grade_of(59.5, 100) == "fail"


def test_publishing_needs_complete_units_and_freezes_the_lines() -> None:
    a = scored(Assessment(congress_id="c", year=2026), "u1", rules=8, staffing=8)
    with pytest.raises(Conflict) as exc:
        publish_assessment(a, {"u1": full_figures(), "u2": full_figures("u2")}, by="s", now=NOW)
    assert codes(exc) == "assessment.incomplete" and exc.value.details["units"] == ["u2"]
    with pytest.raises(Conflict) as exc:
        publish_assessment(Assessment(congress_id="c", year=2026), {}, by="s", now=NOW)
    assert codes(exc) == "assessment.empty"
    published = publish_assessment(a, {"u1": full_figures()}, by="s", now=NOW)
    [event] = published.events
    assert isinstance(event, AssessmentPublished)
    assert event.lines[0].unit_id == "u1" and event.lines[0].total == 86.0 and event.lines[0].grade == "good"
    assert event.lines[0].parts["contact"] == 20.0
    # later figures do not change a published assessment, and it refuses changes
    assert lines(published, {"u1": full_figures(satisfied=0)})[0].total == 86.0
    assert publish_assessment(published, {}, by="s", now=NOW) is published
    with pytest.raises(Conflict) as exc:
        scored(published, "u1", rules=1)
    assert codes(exc) == "assessment.published"


def test_a_unit_without_figures_is_scored_by_staff_alone() -> None:
    a = scored(
        Assessment(congress_id="c", year=2026),
        "u9",
        {"contact": "无建议", "reply_standard": "无建议", "results": "无建议"},
        rules=10,
        staffing=10,
        contact=20,
        reply_standard=20,
        results=40,
    )
    [line] = lines(a, {})
    assert line.complete and line.total == 100 and line.label == "u9" and line.figures is None


# --- selections ------------------------------------------------------------------------------------


def candidates(n: int) -> list[Candidate]:
    return [Candidate(id=f"s{i:03d}", label=f"建议{i}", score=100 - i) for i in range(n)]


def selection(n: int = 20, population: int | None = 100, kind: str = "excellent_suggestions") -> Selection:
    return new_selection(
        "c",
        kind=kind,
        year=2026,
        candidates=candidates(n),
        population=population,
        by="s",
        now=NOW,  # type: ignore[arg-type]
    )


def test_a_selection_checks_its_candidates() -> None:
    with pytest.raises(Invalid) as exc:
        new_selection("c", kind="excellent_suggestions", year=2026, candidates=[], population=None, by="s", now=NOW)
    assert codes(exc) == "selection.candidates_required"
    twice = [Candidate(id="a", label="", score=1), Candidate(id=" a ", label="", score=2)]
    with pytest.raises(Invalid) as exc:
        new_selection("c", kind="excellent_suggestions", year=2026, candidates=twice, population=None, by="s", now=NOW)
    assert codes(exc) == "selection.candidate_repeated"
    with pytest.raises(Invalid) as exc:
        selection(20, population=10)
    assert codes(exc) == "selection.population_invalid"
    inf = [Candidate(id="a", label="", score=float("inf"))]
    with pytest.raises(Invalid) as exc:
        new_selection("c", kind="excellent_deputies", year=2026, candidates=inf, population=None, by="s", now=NOW)
    assert codes(exc) == "selection.candidate_invalid"


def test_choosing_the_usual_share_warns_of_nothing() -> None:
    s = choose(selection(), [f"s{i:03d}" for i in range(10)], by="s", now=NOW)
    assert s.share == 0.1 and s.revision == 2
    assert warnings(s) == []


def test_a_share_far_from_the_usual_one_is_warned_about_not_refused() -> None:
    s = choose(selection(), ["s000", "s001"], by="s", now=NOW)
    assert [w.code for w in warnings(s)] == ["selection.share_low"]
    s = choose(s, [f"s{i:03d}" for i in range(16)], by="s", now=NOW)
    assert [w.code for w in warnings(s)] == ["selection.share_high"]
    deputies = choose(
        selection(population=100, kind="excellent_deputies"), [f"s{i:03d}" for i in range(6)], by="s", now=NOW
    )
    assert warnings(deputies) == []
    no_population = choose(selection(population=None), ["s000"], by="s", now=NOW)
    assert no_population.share is None and warnings(no_population) == []


def test_passing_over_a_higher_score_is_warned_about() -> None:
    s = choose(selection(), [f"s{i:03d}" for i in range(1, 11)], by="s", now=NOW)
    [w] = warnings(s)
    assert w.code == "selection.higher_score_passed_over" and w.details["ids"] == ["s000"]


def test_only_candidates_are_chosen_and_the_same_choice_changes_nothing() -> None:
    s = selection()
    with pytest.raises(Invalid) as exc:
        choose(s, ["s000", "nobody"], by="s", now=NOW)
    assert codes(exc) == "selection.unknown_candidate" and exc.value.details["ids"] == ["nobody"]
    s = choose(s, ["s001", "s000", "s001"], by="s", now=NOW)
    assert s.chosen == ("s000", "s001")
    assert choose(s, ["s000", "s001"], by="s", now=NOW) is s


def test_publishing_a_selection_announces_the_chosen_once() -> None:
    s = selection()
    with pytest.raises(Conflict) as exc:
        publish_selection(s, by="s", now=NOW)
    assert codes(exc) == "selection.nothing_chosen"
    s = publish_selection(choose(s, ["s003", "s001"], by="s", now=NOW), by="s", now=NOW)
    [event] = s.events
    assert isinstance(event, SelectionPublished)
    assert [c.id for c in event.chosen] == ["s001", "s003"]
    assert event.share == 0.02 and event.usual_share == 0.1 and event.candidates == 20
    assert publish_selection(s, by="s", now=NOW) is s
    with pytest.raises(Conflict) as exc:
        choose(s, ["s000"], by="s", now=NOW)
    assert codes(exc) == "selection.published"


def test_same_listing() -> None:
    s = selection(3, population=None)
    assert same_listing(s, candidates(3), None)
    assert not same_listing(s, candidates(3), 50)
    assert not same_listing(s, candidates(2), None)
