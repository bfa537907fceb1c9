"""Imported suggestions (paper submissions, motions turned into suggestions): rows checked and read
into submitted suggestions. Only the pure parts of operations: build_imported and import_ref."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from services.intake.directory import DEFAULT_FIELDS, Congress, Deputy, Level
from services.intake.domain import CoSignStatus, Origin, SuggestionKind, SuggestionStatus
from services.intake.operations import build_imported, import_ref
from services.intake.spreadsheets import RowError, SuggestionRow
from shared.contracts.intake import DeputyRef, SuggestionSubmitted

NOW = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
REF = "a" * 32
CONGRESS = Congress(
    id="city-15",
    name="某某市人民代表大会",
    level=Level.CITY,
    parent_id="province-14",
    term=15,
    session="15-2",
    session_name="市十五届人大二次会议",
    fields=DEFAULT_FIELDS,
)
TUYF = Deputy(congress_id="city-15", id="d-1", name="屠永芳", delegation="城关代表团")
LIMING = Deputy(congress_id="city-15", id="d-2", name="李明", delegation="东区代表团")
WANGF_EAST = Deputy(congress_id="city-15", id="d-3", name="王芳", delegation="东区代表团")
WANGF_WEST = Deputy(congress_id="city-15", id="d-4", name="王芳", delegation="西区代表团")
ZHANGQ = Deputy(congress_id="city-15", id="d-5", name="张强", delegation="西区代表团")
DEPUTIES = {d.id: d for d in (TUYF, LIMING, WANGF_EAST, WANGF_WEST, ZHANGQ)}

TITLE = "关于加快老旧小区加装电梯的建议"
BODY = (
    "我市老旧小区加装电梯推进缓慢，居民上下楼困难。建议统一规划、简化审批流程，并给予财政补贴，切实方便老年居民出行。"
)


def _row(row: int = 2, **overrides: Any) -> SuggestionRow:
    args: dict[str, Any] = {
        "row": row,
        "title": TITLE,
        "body": BODY,
        "field": "城乡建设",
        "kind": "recess",
        "origin": "motion",
        "lead_deputy": "d-1",
        "co_signers": ["d-2", "张强"],
        "confidential": False,
    }
    args.update(overrides)
    return SuggestionRow(**args)


def _build(rows: list[SuggestionRow], *, ref: str = REF, **overrides: Any) -> tuple[list[Any], list[RowError]]:
    args: dict[str, Any] = {"congress": CONGRESS, "deputies": DEPUTIES, "ref": ref, "now": NOW}
    args.update(overrides)
    return build_imported(rows, **args)


def test_rows_become_submitted_suggestions_with_confirmed_co_signers() -> None:
    built, errors = _build([_row(confidential=True)])
    assert errors == []
    [s] = built
    assert s.status is SuggestionStatus.SUBMITTED
    assert (s.congress_id, s.session) == ("city-15", "15-2")
    assert (s.title, s.body, s.field) == (TITLE, BODY, "城乡建设")
    assert s.kind is SuggestionKind.RECESS
    assert s.origin is Origin.MOTION
    assert s.confidential is True
    assert s.lead_deputy == DeputyRef(id="d-1", name="屠永芳", delegation="城关代表团")
    assert [(c.id, c.name, c.delegation, c.status, c.responded_at) for c in s.co_signers] == [
        ("d-2", "李明", "东区代表团", CoSignStatus.CONFIRMED, NOW),
        ("d-5", "张强", "西区代表团", CoSignStatus.CONFIRMED, NOW),
    ]
    assert [(v.number, v.co_signers, v.submitted_at) for v in s.versions] == [(1, ("d-2", "d-5"), NOW)]
    assert [a.id for a in s.authors()] == ["d-1", "d-2", "d-5"]


def test_an_imported_suggestion_announces_a_submission_and_asks_nobody_to_co_sign() -> None:
    [s], _ = _build([_row()])
    assert len(s.events) == 1
    event = s.events[0]
    assert type(event) is SuggestionSubmitted
    assert event.suggestion_id == s.id
    assert [c.id for c in event.co_signers] == ["d-2", "d-5"]
    assert event.submitted_at == NOW
    assert event.origin == "motion"


def test_every_row_becomes_one_suggestion_in_order() -> None:
    built, errors = _build([_row(2), _row(3, lead_deputy="李明", co_signers=[]), _row(4, co_signers=[])])
    assert errors == []
    assert [s.lead_deputy.id for s in built] == ["d-1", "d-2", "d-1"]
    assert len({s.id for s in built}) == 3


def test_ids_are_deterministic_per_file_and_row() -> None:
    first, _ = _build([_row(2), _row(3)])
    again, _ = _build([_row(2), _row(3)])
    assert [s.id for s in first] == [s.id for s in again]
    assert first[0].id != first[1].id
    other_file, _ = _build([_row(2)], ref="b" * 32)
    assert other_file[0].id != first[0].id
    other_congress, _ = _build([_row(2)], congress=replace(CONGRESS, id="city-16"))
    assert other_congress[0].id != first[0].id
    assert uuid.UUID(first[0].id).version == 5


def test_the_id_does_not_depend_on_the_row_content() -> None:
    # The same file is the same ref; an id must not move when the text is read differently.
    [a], _ = _build([_row(7)])
    [b], _ = _build([_row(7, title="关于优化公交线网的建议")])
    assert a.id == b.id


def test_a_lead_given_by_a_unique_name_resolves() -> None:
    [s], errors = _build([_row(lead_deputy="屠永芳", co_signers=["李明"])])
    assert errors == []
    assert s.lead_deputy.id == "d-1"
    assert [c.id for c in s.co_signers] == ["d-2"]


def test_an_id_wins_over_a_name() -> None:
    [s], _ = _build([_row(lead_deputy="d-3", co_signers=[])])
    assert s.lead_deputy == DeputyRef(id="d-3", name="王芳", delegation="东区代表团")


def test_an_ambiguous_name_is_refused() -> None:
    built, errors = _build([_row(5, lead_deputy="王芳")])
    assert built == []
    assert [(e.row, e.column, e.code) for e in errors] == [(5, "领衔代表", "import.ambiguous_deputy")]
    assert "王芳" in errors[0].message


def test_an_unknown_deputy_is_refused() -> None:
    built, errors = _build([_row(6, lead_deputy="孙悟空")])
    assert built == []
    assert [(e.row, e.column, e.code) for e in errors] == [(6, "领衔代表", "import.unknown_deputy")]


def test_every_unresolved_co_signer_is_reported() -> None:
    built, errors = _build([_row(4, co_signers=["李明", "王芳", "猪八戒"])])
    assert built == []
    assert [(e.row, e.column, e.code) for e in errors] == [
        (4, "附议代表", "import.ambiguous_deputy"),
        (4, "附议代表", "import.unknown_deputy"),
    ]


def test_a_lead_named_among_the_co_signers_is_dropped_and_duplicates_merged() -> None:
    [s], errors = _build([_row(co_signers=["屠永芳", "d-2", "李明", "d-2"])])
    assert errors == []
    assert [c.id for c in s.co_signers] == ["d-2"]


def test_a_row_that_fails_the_checks_gives_a_row_error_with_the_check_code() -> None:
    built, errors = _build([_row(2), _row(3, body="太短了，建议改。")])
    assert [s.versions[0].title for s in built] == [TITLE]
    assert [(e.row, e.column, e.code) for e in errors] == [(3, "body", "check.body_too_short")]
    assert errors[0].message


def test_a_field_the_congress_does_not_use_is_a_row_error() -> None:
    congress = replace(CONGRESS, fields=("社会保障",))
    built, errors = _build([_row(9)], congress=congress)
    assert built == []
    assert [(e.row, e.column, e.code) for e in errors] == [(9, "field", "check.field_unknown")]


def test_every_failed_check_of_a_row_is_reported() -> None:
    _, errors = _build([_row(3, title="", body="太短")])
    assert [(e.row, e.code) for e in errors] == [(3, "check.title_missing"), (3, "check.body_too_short")]


def test_warnings_are_not_row_errors() -> None:
    built, errors = _build([_row(title="老旧小区加装电梯")])
    assert errors == []
    assert len(built) == 1


def test_nothing_needs_the_deputies_to_answer_online() -> None:
    # Paper signatures count: a row with many co-signers is submitted at once.
    many = {f"d-{i}": Deputy(congress_id="city-15", id=f"d-{i}", name=f"代表{i}") for i in range(10, 40)}
    [s], errors = _build([_row(co_signers=list(many))], deputies={**DEPUTIES, **many})
    assert errors == []
    assert len(s.co_signers) == 30
    assert all(c.status is CoSignStatus.CONFIRMED for c in s.co_signers)


@pytest.mark.parametrize(
    "column, row",
    [
        ("领衔代表", _row(8, lead_deputy="d-5", co_signers=[])),
        ("领衔代表", _row(8, lead_deputy="张强", co_signers=[])),
        ("附议代表", _row(8, co_signers=["d-5"])),
        ("附议代表", _row(8, co_signers=["张强"])),
    ],
    ids=["lead-by-id", "lead-by-name", "co-signer-by-id", "co-signer-by-name"],
)
def test_an_inactive_deputy_is_refused_as_online(column: str, row: SuggestionRow) -> None:
    deputies = {**DEPUTIES, "d-5": replace(ZHANGQ, active=False)}
    built, errors = _build([row], deputies=deputies)
    assert built == []
    assert [(e.row, e.column, e.code) for e in errors] == [(8, column, "import.inactive_deputy")]


def test_import_ref_is_stable_per_content() -> None:
    data = "标题,正文\n关于……的建议,……".encode()
    assert import_ref(data) == import_ref(bytes(data))
    assert import_ref(data) != import_ref(data + b" ")
    assert len(import_ref(data)) == 32
    assert int(import_ref(data), 16) >= 0  # hexadecimal
