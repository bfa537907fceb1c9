"""Importing handling units: CSV (UTF-8, BOM, GBK), XLSX with Chinese headers, JSON lists; every problem listed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest

from services.assignment import unit_import
from services.assignment.routing import UnitKind
from services.assignment.unit_import import UnitDraft, build_units, read_units, split_terms
from services.assignment.units import Unit
from shared.contracts.assignment import UnitContact
from shared.spreadsheets import RowError

AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
HEADER = [
    "单位编号", "单位名称", "单位类别", "督查室", "职责", "关键词", "简称",
    "联系人编号", "联系人", "职务", "电话", "邮箱",
]  # fmt: skip
EDU_DUTIES = "负责全市学前教育、义务教育和高中教育的统筹管理，指导学校建设和教师队伍建设。"
COURT_DUTIES = "依法审理刑事、民事、行政案件，执行生效裁判，开展诉源治理和多元解纷。"
TABLE: list[list[Any]] = [
    HEADER,
    ["edu", "市教育局", "政府部门", "市政府督查室", EDU_DUTIES, "学校、幼儿园，教师; 学区 课后服务", "教育部门 教育局",
     "u-edu-1", "王老师", "科长", "0571-87001234", "wang@edu.gov.cn"],
    ["edu", "", "", "", "", "", "", "u-edu-2", "李老师", "", "13800000000", ""],
    ["court", "市中级人民法院", "法院", "", COURT_DUTIES, "", "中院", "", "", "", "", ""],
]  # fmt: skip
EDU = Unit(
    congress_id="city-15",
    id="edu",
    name="市教育局",
    kind=UnitKind.GOVERNMENT_DEPARTMENT,
    coordinator="市政府督查室",
    duties=EDU_DUTIES,
    keywords=("学校", "幼儿园", "教师", "学区", "课后服务"),
    aliases=("教育部门", "教育局"),
    contacts=(
        UnitContact(id="u-edu-1", name="王老师", title="科长", phone="0571-87001234", email="wang@edu.gov.cn"),
        UnitContact(id="u-edu-2", name="李老师", phone="13800000000"),
    ),
    active=True,
    updated_at=AT,
)
COURT = Unit(
    congress_id="city-15",
    id="court",
    name="市中级人民法院",
    kind=UnitKind.COURT,
    coordinator="",
    duties=COURT_DUTIES,
    keywords=(),
    aliases=("中院",),
    contacts=(),
    active=True,
    updated_at=AT,
)


def _csv(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _import(data: bytes, filename: str, **options: Any) -> tuple[list[Unit], list[RowError]]:
    """What the import route does: read, then check every unit; problems of both steps together."""
    drafts, errors = read_units(data, filename)
    units, problems = build_units("city-15", drafts, updated_at=AT, **options)
    return units, sorted([*errors, *problems], key=lambda e: e.row)


def _codes(errors: list[RowError]) -> list[tuple[int, str | None, str]]:
    return [(e.row, e.column, e.code) for e in errors]


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_or_gbk(encoding: str) -> None:
    assert _import(_csv(TABLE, encoding), "单位名录.csv") == ([EDU, COURT], [])


def test_xlsx_with_a_title_row_above_the_header() -> None:
    assert _import(_xlsx([["2025年承办单位名录"], *TABLE]), "units.xlsx") == ([EDU, COURT], [])


def test_rows_count_the_file_rows_of_each_unit() -> None:
    drafts, _ = read_units(_csv(TABLE), "u.csv")
    assert [(d.id, d.row, d.row_count, d.contact_rows) for d in drafts] == [
        ("edu", 2, 2, (2, 3)),
        ("court", 4, 1, ()),
    ]


def test_a_row_without_unit_id_continues_the_unit_above_as_merged_cells_read() -> None:
    rows = [row[:] for row in TABLE]
    rows[2][0] = ""
    assert _import(_xlsx(rows), "u.xlsx") == ([EDU, COURT], [])


def test_rows_of_a_unit_need_not_be_together_and_may_repeat_its_fields() -> None:
    repeated = TABLE[1][:7] + TABLE[2][7:]
    rows = [HEADER, TABLE[1], TABLE[3], repeated]
    assert _import(_csv(rows), "u.csv") == ([EDU, COURT], [])


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("政府部门", UnitKind.GOVERNMENT_DEPARTMENT),
        ("党群部门", UnitKind.PARTY_MASS_ORGANISATION),
        ("群团组织", UnitKind.PARTY_MASS_ORGANISATION),
        ("法院", UnitKind.COURT),
        ("人民检察院", UnitKind.PROCURATORATE),
        ("监察委员会", UnitKind.SUPERVISORY_COMMISSION),
        ("垂直管理单位", UnitKind.VERTICALLY_MANAGED),
        ("vertically_managed", UnitKind.VERTICALLY_MANAGED),
        ("Supervisory Commission", UnitKind.SUPERVISORY_COMMISSION),
    ],
)
def test_kinds_in_chinese_or_as_the_enum_values(written: str, kind: UnitKind) -> None:
    rows = [HEADER, [*TABLE[3][:2], written, *TABLE[3][3:]]]
    units, errors = _import(_csv(rows), "u.csv")
    assert errors == []
    assert units[0].kind == kind


def test_english_headers_and_fewer_columns() -> None:
    rows = [["id", "name", "kind", "duties"], ["court", "市中级人民法院", "court", COURT_DUTIES]]
    units, errors = _import(_csv(rows), "u.csv")
    assert errors == []
    assert units == [Unit(**{**vars(COURT), "aliases": ()})]


def test_split_terms() -> None:
    assert split_terms("学校、幼儿园，教师,学区;课后服务；校车 食堂\u3000午餐、学校") == (
        "学校",
        "幼儿园",
        "教师",
        "学区",
        "课后服务",
        "校车",
        "食堂",
        "午餐",
    )
    assert split_terms(" 、 ") == ()


def test_an_existing_unit_keeps_its_active_state_and_a_new_one_is_active() -> None:
    units, errors = _import(_csv(TABLE), "u.csv", active={"edu": False})
    assert errors == []
    assert [(u.id, u.active) for u in units] == [("edu", False), ("court", True)]


# --------------------------------------------------------------------------- problems


def test_a_bad_file_lists_every_problem_by_row_and_column() -> None:
    rows = [
        HEADER,
        ["edu", "市教育局", "政府部门", "", EDU_DUTIES, "", "", "u-edu-1", "王老师", "", "0571-8700 转 12", "wang"],
        ["edu", "市教育局（语委）", "", "", "", "", "", "u-edu-1", "", "", "", ""],
        ["court", "", "法庭", "", COURT_DUTIES, "词" * 31, "", "", "张法官", "", "", ""],
        ["", "市审计局", "政府部门", "", "", "", "", "", "", "", "", ""],
        ["1.23457E+17", "市税务局", "垂直管理单位", "", "负责税收征管。", "", "", "", "", "", "", ""],
    ]
    units, errors = _import(_csv(rows), "u.csv")
    assert units == []
    assert _codes(errors) == [
        (2, "电话", "unit.contact_phone_invalid"),
        (2, "邮箱", "unit.contact_email_invalid"),
        (3, "单位名称", "import.conflicting_value"),
        (3, "联系人编号", "unit.contact_duplicate"),
        (4, "单位类别", "import.bad_value"),
        (4, "单位名称", "unit.name_required"),
        (4, "关键词", "unit.keyword_too_long"),
        (4, "联系人编号", "unit.contact_id_required"),
        # a row without 单位编号 belongs to the unit above (court): it may not rename it
        (5, "单位名称", "import.conflicting_value"),
        (6, "单位编号", "import.bad_value"),
    ]
    assert errors[4].message.startswith("单位类别 '法庭' is not one of: 政府部门, 党群部门, 法院")


def test_the_first_row_without_a_unit_id_is_refused() -> None:
    rows = [HEADER, ["", "市审计局", "政府部门", "", "负责审计监督。", "", "", "", "", "", "", ""]]
    assert _codes(_import(_csv(rows), "u.csv")[1]) == [(2, "单位编号", "import.required")]


def test_a_unit_id_excel_rounded_or_with_other_characters_is_refused() -> None:
    rows = [
        HEADER,
        ["1.23457E+17", "市税务局", "垂直管理单位", "", "负责税收征管。", "", "", "", "", "", "", ""],
        ["审计", "市审计局", "政府部门", "", "负责审计监督。", "", "", "", "", "", "", ""],
    ]
    assert _codes(_import(_csv(rows), "u.csv")[1]) == [
        (2, "单位编号", "import.bad_value"),
        (3, "单位编号", "unit.id_invalid"),
    ]


def test_a_missing_unit_field_is_named_on_the_units_first_row() -> None:
    rows = [HEADER, ["audit", "市审计局", "", "", "", "", "", "a-1", "", "", "", ""]]
    assert _codes(_import(_csv(rows), "u.csv")[1]) == [
        (2, "单位类别", "unit.kind_required"),
        (2, "职责", "unit.duties_required"),
    ]


def test_too_many_contacts_points_at_the_first_row_over_the_limit() -> None:
    contacts = [["edu", "", "", "", "", "", "", f"c{n}", "", "", "", ""] for n in range(21)]
    rows = [HEADER, TABLE[1], *contacts]
    assert _codes(_import(_csv(rows), "u.csv")[1]) == [(22, "联系人编号", "unit.contacts_too_many")]


@pytest.mark.parametrize(
    ("columns", "missing"),
    [
        (["单位名称", "单位类别", "职责"], "单位编号"),
        (["单位编号", "单位类别", "职责"], "单位名称"),
        (["单位编号", "单位名称", "职责"], "单位类别"),
        (["单位编号", "单位名称", "单位类别"], "职责"),
    ],
)
def test_a_required_column_missing(columns: list[str], missing: str) -> None:
    errors = _import(_csv([columns, ["x"] * len(columns)]), "u.csv")[1]
    assert _codes(errors) == [(1, missing, "import.missing_column")]


def test_file_level_problems_stop_the_reading() -> None:
    assert _codes(_import(b"", "u.csv")[1]) == [(0, None, "import.empty")]
    assert _codes(_import(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "u.xls")[1]) == [
        (0, None, "import.unsupported_format")
    ]
    assert _codes(_import(b"not a workbook", "u.xlsx")[1]) == [(0, None, "import.unsupported_format")]
    assert _codes(_import(_csv([HEADER]), "u.csv")[1]) == [(0, None, "import.empty")]


def test_too_many_units(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unit_import, "MAX_UNITS", 1)
    assert _codes(read_units(_csv(TABLE), "u.csv")[1]) == [(0, None, "import.too_many_units")]


# --------------------------------------------------------------------------- JSON lists


def _draft(position: int, unit: Unit, **overrides: Any) -> UnitDraft:
    fields = {k: v for k, v in vars(unit).items() if k not in ("congress_id", "updated_at")}
    return UnitDraft(row=position, **{**fields, "active": None, **overrides})


def test_json_drafts_become_units() -> None:
    drafts = [_draft(1, EDU), _draft(2, COURT, active=False)]
    assert build_units("city-15", drafts, active={"edu": False, "court": True}, updated_at=AT) == (
        [Unit(**{**vars(EDU), "active": False}), Unit(**{**vars(COURT), "active": False})],
        [],
    )


def test_json_problems_name_the_position_and_the_field() -> None:
    drafts = [
        _draft(1, EDU, contacts=(*EDU.contacts, UnitContact(id="u-3", email="wang"))),
        _draft(2, COURT, name="", keywords=("审判", "词" * 31)),
        _draft(3, EDU),
    ]
    units, errors = build_units("city-15", drafts, updated_at=AT)
    assert units == []
    assert _codes(errors) == [
        (1, "contacts[2].email", "unit.contact_email_invalid"),
        (2, "name", "unit.name_required"),
        (2, "keywords[1]", "unit.keyword_too_long"),
        (3, "id", "import.duplicate_row"),
    ]
    assert errors[-1].message == "Unit id edu already appears at position 1."
