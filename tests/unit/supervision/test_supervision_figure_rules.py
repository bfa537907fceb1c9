"""The figures of the ledger (pure): counts, every rate with its edge cases, the league table, the workbook."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from services.supervision.domain import (
    Case,
    CommitmentIn,
    cancel,
    commitment_done,
    log_contact,
    open_case,
    rated,
    reply,
    review,
    second_reply,
)
from services.supervision.figures import GROUPINGS, Group, export_xlsx, league, rate, table
from services.supervision.policy import Policy
from services.supervision.store.cases import figures
from shared.contracts.assignment import CaseAssigned, Deadlines, UnitRef
from shared.contracts.intake import DeputyRef

CST = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
DUE_PAST = datetime(2026, 10, 8, 15, 59, 59, 999000, tzinfo=UTC)
DUE_LATER = datetime(2027, 1, 8, 15, 59, 59, 999000, tzinfo=UTC)


def row(**kw: Any) -> dict[str, Any]:
    """A figures row: by default a case of unit u1 waiting for its reply, deadline ahead."""
    base: dict[str, Any] = {
        "year": 2026,
        "lead_unit_id": "u1",
        "lead_unit_name": "市城市管理局",
        "field": "城乡建设",
        "status": "handling",
        "replied": False,
        "replied_at": None,
        "reply_due_at": DUE_LATER,
        "on_time": False,
        "category": None,
        "first_category": None,
        "closed": False,
        "contacted": False,
        "result": None,
        "public_reply": False,
        "light": "green",
        "rounds": 1,
        "open_commitments": 0,
        "cancelled": False,
    }
    return {**base, **kw}


def replied(category: str = "A", *, on_time: bool = True, **kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": "replied",
        "replied": True,
        "replied_at": datetime(2026, 9, 1, tzinfo=UTC),
        "on_time": on_time,
        "category": category,
        "first_category": category,
        "contacted": True,
        "light": "none",
        **kw,
    }
    return row(**values)


def closed(category: str = "A", result: str = "satisfied", **kw: Any) -> dict[str, Any]:
    return replied(category, status="closed", closed=True, result=result, **kw)


# --- the rates ------------------------------------------------------------------------------------


def test_rate_is_rounded_to_four_places_and_null_without_a_denominator() -> None:
    assert rate(1, 3) == 0.3333
    assert rate(2, 3) == 0.6667
    assert rate(0, 5) == 0.0
    assert rate(5, 5) == 1.0
    assert rate(0, 0) is None


def test_no_rows_give_zero_counts_and_null_rates() -> None:
    result = table([], "unit", now=NOW)
    assert result.groups == []
    total = result.total
    assert (total.cases, total.replied, total.due, total.on_time) == (0, 0, 0, 0)
    assert [
        total.on_time_rate,
        total.completion_rate,
        total.solved_rate,
        total.satisfaction_rate,
        total.contact_rate,
    ] == [None] * 5


def test_a_fresh_ledger_has_cases_but_nothing_due_replied_or_rated() -> None:
    total = table([row(), row(contacted=True)], "unit", now=NOW).total
    assert (total.cases, total.due, total.replied, total.rated) == (2, 0, 0, 0)
    assert total.on_time_rate is None  # nothing is due yet: no rate, not 0 %
    assert total.solved_rate is None and total.satisfaction_rate is None
    assert total.completion_rate == 0.0
    assert total.contact_rate == 0.5


def test_on_time_rate_counts_replied_cases_and_unreplied_ones_past_their_deadline() -> None:
    rows = [
        replied(on_time=True),
        replied(on_time=True),
        replied(on_time=False),  # replied late
        row(reply_due_at=DUE_PAST, light="red"),  # overdue, no reply: due, not on time
        row(reply_due_at=DUE_LATER),  # not due yet: left out of the rate
        row(status="reply_review", reply_due_at=DUE_PAST, light="none"),  # under review: undecided yet
    ]
    total = table(rows, "unit", now=NOW).total
    assert (total.cases, total.replied, total.due, total.on_time, total.overdue) == (6, 3, 4, 2, 1)
    assert total.on_time_rate == 0.5
    # the same rows a moment before the first deadline: only the replies are due
    before = table(rows, "unit", now=DUE_PAST - timedelta(seconds=1)).total
    assert (before.due, before.overdue, before.on_time_rate) == (3, 0, 0.6667)


def test_a_rehandled_case_keeps_the_on_time_of_its_first_reply() -> None:
    # re-opened after an unsatisfied rating: waiting again, new deadline passed, yet replied (first reply on time)
    rows = [replied(on_time=True, status="handling", rounds=2, reply_due_at=DUE_PAST, result="unsatisfied")]
    total = table(rows, "unit", now=NOW).total
    assert (total.due, total.on_time, total.overdue, total.on_time_rate) == (1, 1, 0, 1.0)
    assert (total.rated, total.unsatisfied, total.satisfaction_rate) == (1, 1, 0.0)


def test_completion_solved_satisfaction_and_contact_rates() -> None:
    rows = [
        closed("A", "satisfied"),
        closed("B", "basically_satisfied"),
        closed("A", "basically_satisfied"),
        replied("C", result="unsatisfied", status="handling", rounds=2),
        replied("B"),  # replied, not yet rated
        row(),  # handling, not contacted
        row(contacted=True),
    ]
    total = table(rows, "unit", now=NOW).total
    assert (total.cases, total.replied, total.closed, total.rated) == (7, 5, 3, 4)
    assert (total.category_a, total.category_b, total.category_c) == (2, 2, 1)
    assert (total.satisfied, total.basically_satisfied, total.unsatisfied) == (1, 2, 1)
    assert total.completion_rate == round(3 / 7, 4) == 0.4286
    assert total.solved_rate == 0.4  # A / replied
    assert total.satisfaction_rate == 0.75  # (satisfied + basically) / rated
    assert total.contact_rate == round(6 / 7, 4)


def test_cancelled_cases_are_left_out_of_everything() -> None:
    rows = [
        closed("A"),
        row(status="cancelled", cancelled=True, light="none", contacted=True, reply_due_at=DUE_PAST),
        {**closed("A"), "status": "cancelled", "cancelled": True, "closed": False},
    ]
    result = table(rows, "unit", now=NOW)
    assert [(g.key, g.cases) for g in result.groups] == [("u1", 1)]
    total = result.total
    assert (total.cases, total.replied, total.due, total.closed, total.contacted, total.rated) == (1, 1, 1, 1, 1, 1)
    assert all(getattr(total, r) == 1.0 for r in ("on_time_rate", "completion_rate", "solved_rate", "contact_rate"))
    # a group of only cancelled cases does not appear at all
    assert table([rows[1]], "field", now=NOW).groups == []


def test_rows_without_a_deadline_are_never_due() -> None:
    # documents written before the deadline was kept in the figures
    total = table([row(reply_due_at=None), row(reply_due_at="2026-01-01")], "unit", now=NOW).total
    assert (total.cases, total.due) == (2, 0)


# --- the groups ----------------------------------------------------------------------------------


def test_groups_by_unit_field_category_congress_and_year() -> None:
    rows = [
        {**closed("A", lead_unit_id="u2", lead_unit_name="市教育局", field="教育", year=2025), "congress_id": "c1"},
        {**replied("B", lead_unit_id="u1", field="城乡建设"), "congress_id": "c1"},
        {**replied("C", lead_unit_id="u1", field="教育"), "congress_id": "c2"},
        {**row(lead_unit_id="u2", lead_unit_name="市教育局", field="教育"), "congress_id": "c2"},
    ]
    by = {g: table(rows, g, now=NOW) for g in GROUPINGS}
    assert [(g.key, g.label, g.cases) for g in by["unit"].groups] == [("u1", "市城市管理局", 2), ("u2", "市教育局", 2)]
    assert [(g.key, g.cases) for g in by["field"].groups] == [("城乡建设", 1), ("教育", 3)]
    assert [(g.key, g.label, g.cases) for g in by["category"].groups] == [
        ("A", "A类（已解决或采纳）", 1),
        ("B", "B类（正在解决或列入计划）", 1),
        ("C", "C类（留作参考）", 1),
        (None, "未答复", 1),
    ]
    assert [(g.key, g.cases) for g in by["congress"].groups] == [("c1", 2), ("c2", 2)]
    assert [(g.key, g.label, g.cases) for g in by["year"].groups] == [("2025", "2025年", 1), ("2026", "2026年", 3)]
    # every grouping adds up to the same total
    assert len({by[g].total for g in GROUPINGS}) == 1
    for result in by.values():
        assert sum(g.cases for g in result.groups) == result.total.cases == 4
        assert sum(g.replied for g in result.groups) == result.total.replied == 3


def test_a_renamed_unit_keeps_one_line_under_the_name_most_cases_carry() -> None:
    rows = [row(lead_unit_name="市建委"), row(lead_unit_name="市住建局"), row(lead_unit_name="市住建局")]
    assert [(g.key, g.label) for g in table(rows, "unit", now=NOW).groups] == [("u1", "市住建局")]


def test_an_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError):
        table([], "deputy", now=NOW)  # type: ignore[arg-type]


# --- the league table -----------------------------------------------------------------------------


def unit(uid: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "lead_unit_id": uid, "lead_unit_name": f"单位{uid}"} for r in rows]


def test_league_ranks_by_on_time_then_satisfaction_then_completion_ties_by_unit_id() -> None:
    rows = [
        # u-a: on time 1/2
        *unit("u-a", [closed("A"), replied("A", on_time=False)]),
        # u-b: on time 2/2, satisfaction 1/2
        *unit("u-b", [closed("A"), replied("A", result="unsatisfied")]),
        # u-c: on time 2/2, satisfaction 2/2, completion 1/2
        *unit("u-c", [closed("A"), replied("A", result="satisfied", status="handling")]),
        # u-d: on time 2/2, satisfaction 2/2, completion 2/2
        *unit("u-d", [closed("A"), closed("B", "basically_satisfied")]),
        # u-e: the same as u-d: shares its rank, listed after it
        *unit("u-e", [closed("C", "basically_satisfied"), closed("A")]),
        # u-f: nothing due yet (no on-time rate): below every unit with one
        *unit("u-f", [row()]),
        # u-0: on time 0/1
        *unit("u-0", [row(reply_due_at=DUE_PAST)]),
    ]
    ranked = league(rows, now=NOW)
    assert [(r.rank, r.group.key) for r in ranked] == [
        (1, "u-d"),
        (1, "u-e"),
        (3, "u-c"),
        (4, "u-b"),
        (5, "u-a"),
        (6, "u-0"),
        (7, "u-f"),
    ]
    assert ranked[0].group.label == "单位u-d"
    assert ranked[-1].group.on_time_rate is None and ranked[-2].group.on_time_rate == 0.0


def test_league_of_no_cases_is_empty() -> None:
    assert league([], now=NOW) == []


# --- the workbook -------------------------------------------------------------------------------


def sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return list(sheet.iter_rows(values_only=True))


def test_export_has_chinese_headers_a_row_per_group_and_the_total() -> None:
    rows = [closed("A"), replied("B", on_time=False), row(lead_unit_id="u2", lead_unit_name="市教育局")]
    data = export_xlsx(table(rows, "unit", now=NOW), year=2026)
    got = sheet_rows(data)
    header = got[0]
    assert header[:4] == ("单位编码", "承办单位", "件数", "已答复")
    for name in ("按时答复", "按时办复率", "办结率", "解决率", "满意率", "见面沟通率"):
        assert name in header
    col = {name: i for i, name in enumerate(header)}
    assert [(r[col["承办单位"]], r[col["件数"]]) for r in got[1:]] == [
        ("市城市管理局", 2),
        ("市教育局", 1),
        ("合计", 3),
    ]
    u1 = got[1]
    assert (u1[col["已答复"]], u1[col["按时答复"]], u1[col["按时办复率"]], u1[col["解决率"]]) == (2, 1, 0.5, 0.5)
    assert got[2][col["按时办复率"]] is None  # nothing due: an empty cell, not 0 %
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "2026年建议办理统计"
    assert sheet.cell(row=2, column=col["按时办复率"] + 1).number_format == "0.00%"


def test_export_by_category_and_the_league_sheet() -> None:
    rows = [*unit("u1", [closed("A"), row(reply_due_at=DUE_PAST)]), *unit("u2", [closed("B")])]
    got = sheet_rows(export_xlsx(table(rows, "category", now=NOW), year=None))
    assert got[0][0] == "答复类别"
    assert [r[0] for r in got[1:]] == ["A类（已解决或采纳）", "B类（正在解决或列入计划）", "未答复", "合计"]
    ranked = league(rows, now=NOW)
    got = sheet_rows(export_xlsx(table(rows, "unit", now=NOW), year=2026, league_table=ranked))
    assert got[0][:3] == ("排名", "单位编码", "承办单位")
    assert [r[:2] for r in got[1:]] == [(1, "u2"), (2, "u1"), (None, None)]
    assert got[-1][2] == "合计"


# --- rows as the store computes them (B → A through the real rules) -------------------------------

POLICY = Policy()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


def assigned(case_id: str) -> Case:
    event = CaseAssigned(
        case_id=case_id,
        congress_id="c1",
        number="15-2-0001",
        title="关于加强城区停车设施建设的建议",
        field="城乡建设",
        lead_deputy=DeputyRef(id="d1", name="屠永芳"),
        lead_unit=UnitRef(unit_id="lead", name="市城市管理局", role="lead"),
        co_units=[],
        deadlines=Deadlines(
            reply_due_on=date(2026, 10, 8),
            reply_due_at=at(2026, 10, 8, 23),
            co_opinion_due_on=date(2026, 9, 1),
            co_opinion_due_at=at(2026, 9, 1, 23),
            months=3,
        ),
        assigned_at=at(2026, 7, 1, 10),
        assigned_by="staff-1",
    )
    return open_case(event, policy=POLICY, now=at(2026, 7, 1, 10))


def answered(case: Case, category: str, when: datetime, commitments: list[CommitmentIn] | None = None) -> Case:
    case = log_contact(
        case,
        unit_id="lead",
        stage="on_receipt",
        method="phone",
        held_at=when - timedelta(days=1),
        deputy_said="希望尽快解决",
        summary="",
        by="h",
        now=when - timedelta(days=1),
        policy=POLICY,
    )
    case = reply(
        case,
        unit_id="lead",
        category=category,  # type: ignore[arg-type]
        text="答复正文",
        signed_off_by="王局长",
        public=False,
        public_text="",
        reasons="条件所限" if category == "C" else "",
        commitments=commitments or [],
        by="h",
        now=when,
        policy=POLICY,
    )
    return review(case, accept=True, reasons=[], note="", by="staff", now=when + timedelta(days=1), policy=POLICY)


def test_figures_of_real_cases_b_becomes_a_when_its_commitments_are_done() -> None:
    items = [CommitmentIn(text="建设立体停车场", due_on=date(2027, 3, 1))]
    b_done = answered(assigned("b1"), "B", at(2026, 9, 1, 10), items)
    b_done = rated(
        b_done,
        round_=1,
        result="satisfied",
        rated_at=at(2026, 9, 10),
        event_id="e1",
        now=at(2026, 9, 10),
        policy=POLICY,
    )
    commitment = b_done.commitments[0].id
    b_done = commitment_done(b_done, commitment_id=commitment, note="已建成", by="staff", now=at(2026, 11, 1))
    assert b_done.became_a
    b_open = answered(assigned("b2"), "B", at(2026, 9, 1, 10), items)
    b_second = second_reply(
        answered(assigned("b3"), "B", at(2026, 9, 1, 10), items),
        unit_id="lead",
        text="二次答复",
        progress=[],
        by="h",
        now=at(2026, 11, 1),
    )
    late_c = answered(assigned("c1"), "C", at(2026, 10, 9, 10))  # submitted after the deadline
    gone = cancel(assigned("x1"), now=at(2026, 8, 1))
    waiting = assigned("w1")  # no reply: overdue at NOW

    rows = [figures(c) for c in (b_done, b_open, b_second, late_c, gone, waiting)]
    assert rows[0]["category"] == "A" and rows[0]["first_category"] == "B"
    assert rows[1]["category"] == "B"
    total = table(rows, "unit", now=NOW).total
    assert (total.cases, total.replied, total.due, total.on_time, total.overdue) == (5, 4, 5, 3, 1)
    assert (total.category_a, total.category_b, total.category_c) == (1, 2, 1)
    assert (total.closed, total.rated, total.satisfied, total.contacted) == (1, 1, 1, 4)
    assert total.on_time_rate == 0.6
    assert total.solved_rate == 0.25
    assert total.completion_rate == 0.2
    assert total.satisfaction_rate == 1.0
    assert total.contact_rate == 0.8
    by_category = {g.key: g.cases for g in table(rows, "category", now=NOW).groups}
    assert by_category == {"A": 1, "B": 2, "C": 1, None: 1}


def test_group_is_a_plain_record() -> None:
    group = table([closed("A")], "unit", now=NOW).groups[0]
    assert isinstance(group, Group)
    assert group.as_dict()["on_time_rate"] == 1.0
