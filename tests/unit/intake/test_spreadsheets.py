"""Bulk import (deputies, suggestions) from CSV and XLSX, and export of lists to XLSX."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import openpyxl
import pytest

from services.intake import spreadsheets
from services.intake.spreadsheets import (
    DeputyRow,
    RowError,
    SuggestionRow,
    read_deputies,
    read_suggestions,
    write_xlsx,
)

BODY = "我市老旧小区加装电梯推进缓慢，建议统一规划、简化审批并给予财政补贴。\n一是简化审批；二是财政补贴。"


def _csv(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows: list[list[Any]], *, formats: dict[str, str] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for coordinate, number_format in (formats or {}).items():
        sheet[coordinate].number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _error(row: int, column: str | None, code: str) -> tuple[int, str | None, str]:
    return (row, column, code)


def _codes(errors: list[RowError]) -> list[tuple[int, str | None, str]]:
    return [(e.row, e.column, e.code) for e in errors]


DEPUTY_TABLE: list[list[Any]] = [
    ["代表编号", "姓名", "代表团", "手机", "电子邮箱"],
    ["D001", "屠永芳", "安阳代表团", "138 0000 0000", "tu@example.cn"],
    ["D002", "李  明", "", "+86-139-0000-0000", ""],
]
DEPUTY_ROWS = [
    DeputyRow(row=2, id="D001", name="屠永芳", delegation="安阳代表团", phone="138 0000 0000", email="tu@example.cn"),
    DeputyRow(row=3, id="D002", name="李  明", delegation="", phone="+86-139-0000-0000", email=""),
]


# --------------------------------------------------------------------------- deputies: CSV


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_deputies_csv_in_each_encoding_chinese_excel_writes(encoding: str) -> None:
    assert read_deputies(_csv(DEPUTY_TABLE, encoding), "代表名单.csv") == (DEPUTY_ROWS, [])


def test_deputies_csv_english_headers_any_case_and_spaces_unknown_columns_ignored() -> None:
    data = _csv(
        [
            ["  ID ", "NAME", "Delegation", "Phone", "E-mail", "序号", "备注"],
            [" 7 ", " 王芳 ", " 城区 ", "13800000000", " wang@example.cn ", "1", "新任"],
        ]
    )
    assert read_deputies(data, "DEPUTIES.CSV") == (
        [DeputyRow(row=2, id="7", name="王芳", delegation="城区", phone="13800000000", email="wang@example.cn")],
        [],
    )


def test_deputies_csv_skips_empty_rows_and_rows_with_only_unread_columns_keeping_excel_numbers() -> None:
    data = _csv(
        [
            ["序号", "编号", "姓名"],
            ["1", "D001", "屠永芳"],
            ["", "", ""],
            [],
            ["4", "D004", "王芳"],
            ["5", "", ""],  # a pre-numbered template row nobody filled
        ]
    )
    rows, errors = read_deputies(data, "d.csv")
    assert errors == []
    assert [(r.row, r.id, r.name) for r in rows] == [(2, "D001", "屠永芳"), (5, "D004", "王芳")]


def test_deputies_csv_full_width_digits_and_excel_text_quoting_are_normalised() -> None:
    data = _csv([["编号", "姓名", "手机"], ['="0012"', "王芳", "１３８００００００００"]])
    rows, errors = read_deputies(data, "d.csv")
    assert errors == []
    assert (rows[0].id, rows[0].phone) == ("0012", "13800000000")


def test_deputies_csv_scientific_notation_from_excel_is_refused() -> None:
    data = _csv([["编号", "姓名", "手机"], ["1.38E+10", "王芳", "1.38E+10"]])
    rows, errors = read_deputies(data, "d.csv")
    assert rows == []
    assert _codes(errors) == [_error(2, "编号", "import.bad_value"), _error(2, "手机", "import.bad_value")]
    assert "text" in errors[0].message


def test_deputies_csv_in_neither_utf8_nor_gbk_is_unreadable() -> None:
    data = "编号,姓名\nD1,王芳\n".encode("utf-16")
    assert _codes(read_deputies(data, "d.csv")[1]) == [_error(0, None, "import.unreadable")]


def test_deputies_csv_with_binary_content_is_unreadable() -> None:
    data = b"id,name\nD1,\x00\x00\n"
    assert _codes(read_deputies(data, "d.csv")[1]) == [_error(0, None, "import.unreadable")]


# --------------------------------------------------------------------------- deputies: XLSX


def test_deputies_xlsx_chinese_headers_numbers_as_text_and_an_empty_row() -> None:
    data = _xlsx(
        [
            ["代表证号", "姓名", "代表团", "联系电话", "邮箱"],
            [1001, "屠永芳", "安阳代表团", 13800000000, None],
            [None, None, None, None, None],
            [1002.0, "王芳", None, 13900000000.0, "wang@example.cn"],
            [],
            ["D-3", "李明", "林州代表团", "0372-5123456", None],
        ]
    )
    assert read_deputies(data, "名单.xlsx") == (
        [
            DeputyRow(row=2, id="1001", name="屠永芳", delegation="安阳代表团", phone="13800000000", email=""),
            DeputyRow(row=4, id="1002", name="王芳", delegation="", phone="13900000000", email="wang@example.cn"),
            DeputyRow(row=6, id="D-3", name="李明", delegation="林州代表团", phone="0372-5123456", email=""),
        ],
        [],
    )


def _rewrite_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with its first sheet's XML edited, as other programs write it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert old in content
                content = content.replace(old, new)
            target.writestr(info, content)
    return out.getvalue()


def test_deputies_xlsx_numbers_stored_as_floats_by_other_programs_read_as_digits() -> None:
    data = _xlsx([["编号", "姓名", "手机"], [1001, "王芳", 13900000000]])
    data = _rewrite_sheet(data, b"<v>1001</v>", b"<v>1001.0</v>")
    data = _rewrite_sheet(data, b"<v>13900000000</v>", b"<v>1.39E+10</v>")
    rows, errors = read_deputies(data, "d.xlsx")
    assert errors == []
    assert (rows[0].id, rows[0].phone) == ("1001", "13900000000")


def test_deputies_xlsx_with_a_wrong_recorded_size_is_read_in_full() -> None:
    data = _xlsx([["编号", "姓名", "手机"], ["D1", "王芳", "13900000000"]])
    data = _rewrite_sheet(data, b'<dimension ref="A1:C2"', b'<dimension ref="A1:A1"')
    rows, errors = read_deputies(data, "d.xlsx")
    assert errors == []
    assert (rows[0].name, rows[0].phone) == ("王芳", "13900000000")


def test_deputies_xlsx_id_shown_with_leading_zeros_keeps_them() -> None:
    data = _xlsx([["编号", "姓名"], [12, "王芳"]], formats={"A2": "0000"})
    assert read_deputies(data, "d.xlsx")[0][0].id == "0012"


def test_deputies_xlsx_title_row_above_the_header_is_passed_over() -> None:
    data = _xlsx([["2025年市人大代表名单"], ["编号", "姓名"], ["D1", "王芳"], ["D1", "李明"]])
    rows, errors = read_deputies(data, "d.xlsx")
    assert [(r.row, r.id) for r in rows] == [(3, "D1")]
    assert _codes(errors) == [_error(4, "编号", "import.duplicate_row")]


def test_deputies_xlsx_excel_error_cell_is_a_bad_value() -> None:
    data = _xlsx([["编号", "姓名"], ["D1", "#N/A"]])
    rows, errors = read_deputies(data, "d.xlsx")
    assert rows == []
    assert _codes(errors) == [_error(2, "姓名", "import.bad_value")]
    assert "#N/A" in errors[0].message


def test_deputies_xlsx_reads_the_cached_value_of_a_formula_not_the_formula() -> None:
    data = _xlsx([["编号", "姓名"], ["D1", '=CONCATENATE("王","芳")']])
    # openpyxl stores no cached value, so the cell reads as empty: the formula text never becomes a name.
    assert _codes(read_deputies(data, "d.xlsx")[1]) == [_error(2, "姓名", "import.required")]


# --------------------------------------------------------------------------- deputies: findings


def test_deputies_missing_required_columns_are_reported_on_the_header_row() -> None:
    data = _csv([["姓名 ", "手机"], ["王芳", "13800000000"]])
    rows, errors = read_deputies(data, "d.csv")
    assert rows == []
    assert _codes(errors) == [_error(1, "代表编号", "import.missing_column")]
    assert "代表证号" in errors[0].message


def test_deputies_with_no_known_header_report_every_required_column() -> None:
    data = _csv([["a", "b"], ["1", "2"]])
    assert _codes(read_deputies(data, "d.csv")[1]) == [
        _error(1, "代表编号", "import.missing_column"),
        _error(1, "姓名", "import.missing_column"),
    ]


def test_deputies_duplicate_id_flags_the_later_rows_and_keeps_the_first() -> None:
    data = _csv([["编号", "姓名"], ["D1", "王芳"], ["D2", "李明"], ["D1", "王芳"], ["D1", "张三"]])
    rows, errors = read_deputies(data, "d.csv")
    assert [(r.row, r.id) for r in rows] == [(2, "D1"), (3, "D2")]
    assert _codes(errors) == [_error(4, "编号", "import.duplicate_row"), _error(5, "编号", "import.duplicate_row")]
    assert errors[0].message == "Deputy id D1 already appears on row 2."


def test_deputies_bad_values_are_all_reported_and_good_rows_still_returned() -> None:
    data = _csv(
        [
            ["编号", "姓名", "代表团", "手机", "邮箱"],
            ["", "王芳", "", "", ""],
            ["D2", "", "", "", ""],
            ["D3", "名" * 51, "团" * 51, "138-0000-0000转1", "not-an-email"],
            ["D" * 65, "李明", "", "(0371)12345678", "li@example"],
            ["D5", "张三", "", "--", "zhang@example.cn"],
            ["D6", "赵四", "城区", "1" * 30, "zhao@example.cn"],
        ]
    )
    rows, errors = read_deputies(data, "d.csv")
    assert rows == [DeputyRow(row=7, id="D6", name="赵四", delegation="城区", phone="1" * 30, email="zhao@example.cn")]
    assert _codes(errors) == [
        _error(2, "编号", "import.required"),
        _error(3, "姓名", "import.required"),
        _error(4, "姓名", "import.too_long"),
        _error(4, "代表团", "import.too_long"),
        _error(4, "手机", "import.bad_value"),
        _error(4, "邮箱", "import.bad_value"),
        _error(5, "编号", "import.too_long"),
        _error(5, "手机", "import.bad_value"),
        _error(5, "邮箱", "import.bad_value"),
        _error(6, "手机", "import.bad_value"),
    ]
    assert all(e.message for e in errors)


def test_deputies_header_only_is_empty() -> None:
    assert _codes(read_deputies(_csv([["编号", "姓名"], ["", ""]]), "d.csv")[1]) == [_error(0, None, "import.empty")]


@pytest.mark.parametrize(("data", "filename"), [(b"", "d.csv"), (b"\r\n\r\n", "d.csv"), (_xlsx([]), "d.xlsx")])
def test_deputies_file_without_rows_is_empty(data: bytes, filename: str) -> None:
    assert _codes(read_deputies(data, filename)[1]) == [_error(0, None, "import.empty")]


# --------------------------------------------------------------------------- formats and limits


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (b"%PDF-1.7", "deputies.pdf", ".xlsx and .csv"),
        (b"id,name\n", "deputies", ".xlsx and .csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "deputies.xls", "save it as .xlsx"),
        (b"id,name\nD1,x\n", "deputies.XLS", "save it as .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "deputies.xlsx", "password"),
        (b"id,name\nD1,x\n", "deputies.xlsx", "not an Excel workbook"),
        (_xlsx([["编号", "姓名"]]), "deputies.csv", "rename it to .xlsx"),
    ],
)
def test_unsupported_formats(data: bytes, filename: str, says: str) -> None:
    rows, errors = read_deputies(data, filename)
    assert rows == []
    assert _codes(errors) == [_error(0, None, "import.unsupported_format")]
    assert says in errors[0].message


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 this is not a zip",
        _xlsx([["编号", "姓名"], ["D1", "王芳"]])[:400],  # truncated download
    ],
)
def test_corrupt_xlsx_is_unreadable(data: bytes) -> None:
    assert read_deputies(data, "d.xlsx") == ([], [RowError(0, None, "import.unreadable", _unreadable_message())])


def _unreadable_message() -> str:
    return "The Excel file is damaged or not a workbook; open it in Excel and save again."


def test_a_zip_that_is_not_a_workbook_is_unreadable() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert _codes(read_deputies(out.getvalue(), "d.xlsx")[1]) == [_error(0, None, "import.unreadable")]


def test_a_workbook_that_unpacks_too_far_is_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "_MAX_UNPACKED_BYTES", 1_000)
    data = _xlsx([["编号", "姓名"], ["D1", "王芳"]])
    assert _codes(read_deputies(data, "d.xlsx")[1]) == [_error(0, None, "import.file_too_large")]


@pytest.mark.parametrize("filename", ["d.csv", "d.xlsx"])
def test_file_over_the_byte_limit_is_too_large(monkeypatch: pytest.MonkeyPatch, filename: str) -> None:
    data = _csv(DEPUTY_TABLE) if filename.endswith(".csv") else _xlsx(DEPUTY_TABLE)
    monkeypatch.setattr(spreadsheets, "MAX_FILE_BYTES", len(data) - 1)
    assert _codes(read_deputies(data, filename)[1]) == [_error(0, None, "import.file_too_large")]
    monkeypatch.setattr(spreadsheets, "MAX_FILE_BYTES", len(data))
    assert read_deputies(data, filename) == (DEPUTY_ROWS, [])


def test_too_many_deputy_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "MAX_DEPUTY_ROWS", 3)
    header = [["编号", "姓名"]]
    three = [[f"D{i}", "王芳"] for i in range(3)]
    assert len(read_deputies(_csv(header + three + [["", ""]]), "d.csv")[0]) == 3
    rows, errors = read_deputies(_csv([*header, *three, [], ["D9", "李明"]]), "d.csv")
    assert rows == []
    assert _codes(errors) == [_error(6, None, "import.too_many_rows")]


def test_too_many_suggestion_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "MAX_SUGGESTION_ROWS", 1)
    data = _xlsx(
        [["标题", "正文", "领域", "领衔代表"], ["甲", BODY, "城乡建设", "王芳"], ["乙", BODY, "城乡建设", "李明"]]
    )
    assert _codes(read_suggestions(data, "s.xlsx")[1]) == [_error(3, None, "import.too_many_rows")]


# --------------------------------------------------------------------------- suggestions

SUGGESTION_HEADER = ["标题", "内容", "类别领域", "提出时间", "来源", "领衔代表", "联名代表", "是否保密"]


def test_suggestions_xlsx_with_every_column() -> None:
    data = _xlsx(
        [
            SUGGESTION_HEADER,
            [
                "关于加快老旧小区加装电梯的建议",
                BODY,
                "城乡建设",
                "大会期间",
                "议案转建议",
                "屠永芳",
                "王芳、李明,王芳；；张三 / ",
                "否",
            ],
            [None] * 8,
            ["关于完善农村养老服务的建议", BODY, "社会保障", "闭会", "联络站", 1001, "屠永芳\n赵四", True],
            ["关于公交线路优化的建议", BODY, "交通运输", "Recess", "lower congress", "李明", "", "Y"],
        ]
    )
    assert read_suggestions(data, "建议.xlsx") == (
        [
            SuggestionRow(
                row=2,
                title="关于加快老旧小区加装电梯的建议",
                body=BODY,
                field="城乡建设",
                kind="session",
                origin="motion",
                lead_deputy="屠永芳",
                co_signers=["王芳", "李明", "张三"],
                confidential=False,
            ),
            SuggestionRow(
                row=4,
                title="关于完善农村养老服务的建议",
                body=BODY,
                field="社会保障",
                kind="recess",
                origin="liaison_station",
                lead_deputy="1001",
                co_signers=["屠永芳", "赵四"],
                confidential=True,
            ),
            SuggestionRow(
                row=5,
                title="关于公交线路优化的建议",
                body=BODY,
                field="交通运输",
                kind="recess",
                origin="lower_congress",
                lead_deputy="李明",
                co_signers=[],
                confidential=True,
            ),
        ],
        [],
    )


def test_suggestions_optional_columns_absent_take_defaults() -> None:
    data = _xlsx([["Title", "Body", "Field", "Lead Deputy"], ["关于公交线路优化的建议", BODY, "交通运输", "李明"]])
    rows, errors = read_suggestions(data, "s.xlsx")
    assert errors == []
    assert (rows[0].kind, rows[0].origin, rows[0].co_signers, rows[0].confidential) == ("session", "deputy", [], False)


def test_suggestions_lead_deputy_is_not_also_a_co_signer() -> None:
    data = _xlsx([["标题", "正文", "领域", "领衔代表", "附议代表"], ["甲", BODY, "城乡建设", "王芳", "李明、王芳"]])
    assert read_suggestions(data, "s.xlsx")[0][0].co_signers == ["李明"]


def test_suggestions_csv_body_with_newlines_and_commas_keeps_excel_row_numbers() -> None:
    body = '第一段，含逗号, 和 "引号"。\r\n第二段：建议如下，请研究落实。'
    table = [["标题", "正文", "领域", "领衔代表"], ["甲", body, "城乡建设", "王芳"], ["乙", BODY, "城乡建设", ""]]
    for encoding in ("utf-8-sig", "gbk"):
        rows, errors = read_suggestions(_csv(table, encoding), "s.csv")
        assert [(r.row, r.body) for r in rows] == [(2, body.replace("\r\n", "\n"))]
        assert _codes(errors) == [_error(3, "领衔代表", "import.required")]


def test_suggestions_bad_values_name_the_allowed_values() -> None:
    data = _xlsx(
        [
            SUGGESTION_HEADER,
            ["标" * 201, BODY, "城乡建设", "会中", "群众", "王芳", "", "保密"],
            ["乙", "正" * 20_001, "", "大会", "代表", "", "李明", "是"],
        ]
    )
    rows, errors = read_suggestions(data, "s.xlsx")
    assert rows == []
    assert _codes(errors) == [
        _error(2, "标题", "import.too_long"),
        _error(2, "提出时间", "import.bad_value"),
        _error(2, "来源", "import.bad_value"),
        _error(2, "是否保密", "import.bad_value"),
        _error(3, "内容", "import.too_long"),
        _error(3, "类别领域", "import.required"),
        _error(3, "领衔代表", "import.required"),
    ]
    assert "大会期间" in errors[1].message and "recess" in errors[1].message
    assert "议案转建议" in errors[2].message and "liaison_station" in errors[2].message
    assert "是/否" in errors[3].message


def test_suggestions_too_many_co_signers() -> None:
    names = "、".join(f"代表{i}" for i in range(201))
    data = _xlsx([["标题", "正文", "领域", "领衔代表", "附议代表"], ["甲", BODY, "城乡建设", "王芳", names]])
    assert _codes(read_suggestions(data, "s.xlsx")[1]) == [_error(2, "附议代表", "import.bad_value")]


def test_suggestions_missing_columns() -> None:
    data = _xlsx([["标题", "正文", "来源"], ["甲", BODY, "代表"]])
    assert _codes(read_suggestions(data, "s.xlsx")[1]) == [
        _error(1, "领域", "import.missing_column"),
        _error(1, "领衔代表", "import.missing_column"),
    ]


# --------------------------------------------------------------------------- export


def _open(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


def test_write_xlsx_round_trips_through_openpyxl() -> None:
    columns = [("number", "编号"), ("title", "标题"), ("co_signers", "附议代表"), ("assigned_at", "交办时间")]
    columns += [
        ("due", "答复期限"),
        ("count", "件数"),
        ("rate", "满意率"),
        ("confidential", "是否保密"),
        ("note", "备注"),
    ]
    rows: list[dict[str, Any]] = [
        {
            "number": "15-2-0001",
            "title": "关于加快老旧小区加装电梯的建议",
            "co_signers": ["王芳", "李明"],
            "assigned_at": datetime(2025, 1, 15, 1, 30, tzinfo=UTC),
            "due": date(2025, 4, 15),
            "count": 3,
            "rate": 0.98,
            "confidential": True,
            "note": None,
        },
        {"number": "15-2-0002", "title": '=HYPERLINK("http://x")', "confidential": False},
    ]
    sheet = _open(write_xlsx("市十五届人大二次会议建议", columns, rows))
    assert sheet.title == "市十五届人大二次会议建议"
    assert [c.value for c in sheet[1]] == [header for _, header in columns]
    assert sheet["A1"].font.b is True
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[2]] == [
        "15-2-0001",
        "关于加快老旧小区加装电梯的建议",
        "王芳、李明",
        datetime(2025, 1, 15, 9, 30),  # 01:30 UTC is 09:30 in Shanghai
        datetime(2025, 4, 15),
        3,
        0.98,
        "是",
        None,
    ]
    assert sheet["D2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["E2"].number_format == "yyyy-mm-dd"
    assert [c.value for c in sheet[3]] == [
        "15-2-0002",
        '=HYPERLINK("http://x")',
        None,
        None,
        None,
        None,
        None,
        "否",
        None,
    ]
    assert sheet["B3"].data_type == "s"  # text, never a formula
    assert sheet.max_row == 3


def test_write_xlsx_shows_other_offsets_in_shanghai_time_too() -> None:
    new_york = timezone(timedelta(hours=-5))
    sheet = _open(write_xlsx("t", [("at", "时间")], [{"at": datetime(2025, 1, 14, 20, 30, tzinfo=new_york)}]))
    assert sheet["A2"].value == datetime(2025, 1, 15, 9, 30)


def test_write_xlsx_refuses_naive_datetimes_and_unknown_types() -> None:
    with pytest.raises(ValueError, match="naive"):
        write_xlsx("t", [("at", "时间")], [{"at": datetime(2025, 1, 15, 9, 30)}])
    with pytest.raises(TypeError, match="set"):
        write_xlsx("t", [("x", "X")], [{"x": {"a"}}])


def test_write_xlsx_makes_a_valid_sheet_title_and_drops_illegal_characters() -> None:
    sheet = _open(write_xlsx("2025/01: 建议*清单[全部]" + "长" * 40, [("t", "标题")], [{"t": "换页\x0c符"}]))
    assert sheet.title == ("2025_01_ 建议_清单_全部_" + "长" * 40)[:31]
    assert sheet["A2"].value == "换页符"
    assert _open(write_xlsx("", [("t", "标题")], [])).title == "Sheet1"


def test_write_xlsx_keeps_long_numbers_exact_as_text() -> None:
    sheet = _open(write_xlsx("t", [("n", "编号")], [{"n": 410_522_198_001_011_234}, {"n": 123}]))
    assert (sheet["A2"].value, sheet["A3"].value) == ("410522198001011234", 123)


def test_an_exported_list_can_be_imported_again() -> None:
    columns = [("title", "标题"), ("body", "正文"), ("field", "领域"), ("lead", "领衔代表")]
    columns += [("co", "附议代表"), ("kind", "类型"), ("secret", "是否保密")]
    data = write_xlsx(
        "建议",
        columns,
        [
            {
                "title": "甲",
                "body": BODY,
                "field": "城乡建设",
                "lead": "王芳",
                "co": ["李明", "张三"],
                "kind": "闭会期间",
                "secret": True,
            }
        ],
    )
    assert read_suggestions(data, "export.xlsx") == (
        [
            SuggestionRow(
                row=2,
                title="甲",
                body=BODY,
                field="城乡建设",
                kind="recess",
                origin="deputy",
                lead_deputy="王芳",
                co_signers=["李明", "张三"],
                confidential=True,
            )
        ],
        [],
    )
