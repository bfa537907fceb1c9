"""Reading CSV/XLSX imports and writing XLSX exports, for any service. Bytes in, bytes out; no I/O.

A service describes its columns (`Column`: key, label, header aliases) and builds one record per
data row with a `Check`, which gathers every problem of the row as a `RowError`; `read_rows` does
the rest: encoding detection (UTF-8 with or without BOM, GBK/GB18030), the header searched for in
the first rows (a title row may sit above it), the old-Excel and zip-bomb guards, the row limit.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MAX_FILE_BYTES = 10 * 1024 * 1024
# A 10 MB XLSX may unpack to far more; refuse archives that claim to unpack beyond this (zip bombs).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# A title or note row may sit above the header (e.g. "2025年代表名单"); look this far down for it.
HEADER_SEARCH_ROWS = 10

_EXCEL_CELL_MAX = 32_767
_SHANGHAI = ZoneInfo("Asia/Shanghai")
_T = TypeVar("_T")

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx
_PHONE_RE = re.compile(r"[0-9+\- ]+")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SCIENTIFIC_RE = re.compile(r"[0-9]+(\.[0-9]+)?E\+?[0-9]+", re.IGNORECASE)
_ZEROS_FORMAT_RE = re.compile(r"0+")
_SHEET_TITLE_FORBIDDEN_RE = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class RowError:
    """One finding about one row; row numbers are Excel's (header is row 1), 0 for the whole file."""

    row: int
    column: str | None
    code: str
    message: str


# --------------------------------------------------------------------------- columns and values


@dataclass(frozen=True)
class Column:
    """A column an import reads: its key, how messages name it, and the headers that mean it."""

    key: str
    label: str  # how the column is named in messages when the file does not name it
    aliases: tuple[str, ...]  # best first: when several columns match, the best-ranked name wins
    required: bool = False


def norm(text: str) -> str:
    """How headers and enumerated values are compared: width-folded, case-folded, no spaces, _ or -."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_\-]+", "", folded).strip("*")


def choices(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """A lookup from every word (normalised) to the value it stands for."""
    return {norm(word): value for value, words in table.items() for word in words}


# --------------------------------------------------------------------------- reading files


class _FileProblem(Exception):
    """A problem with the whole file; ends the reading."""

    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def _file_error(code: str, message: str, row: int = 0) -> _FileProblem:
    return _FileProblem(RowError(row=row, column=None, code=code, message=message))


@dataclass(frozen=True)
class _Line:
    """One spreadsheet row as text, with the positions of cells that hold an Excel error (#N/A, #REF! …)."""

    row: int
    cells: list[str]
    excel_errors: frozenset[int] = frozenset()


def _lines(data: bytes, filename: str, max_bytes: int, max_unpacked_bytes: int) -> Generator[_Line, None, None]:
    """The rows of the file, whatever its format; raises _FileProblem for anything unreadable."""
    if len(data) > max_bytes:
        raise _file_error(
            "import.file_too_large", f"The file is larger than {max_bytes // (1024 * 1024)} MB; split it."
        )
    name = filename.strip().lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension == "xls":
        raise _file_error(
            "import.unsupported_format",
            "Old Excel files (.xls) are not supported; open the file in Excel or WPS and save it as .xlsx.",
        )
    if extension not in ("csv", "xlsx"):
        raise _file_error("import.unsupported_format", "Only .xlsx and .csv files can be imported.")
    if not data:
        raise _file_error("import.empty", "The file is empty.")
    if data.startswith(_OLE2_MAGIC):
        raise _file_error(
            "import.unsupported_format",
            "This is an old Excel (.xls) or a password-protected workbook; remove any password and save it as .xlsx.",
        )
    if extension == "xlsx":
        if not data.startswith(b"PK"):
            raise _file_error(
                "import.unsupported_format", "The file is named .xlsx but is not an Excel workbook; save it as .xlsx."
            )
        return _xlsx_lines(data, max_unpacked_bytes)
    if data.startswith(b"PK"):
        raise _file_error(
            "import.unsupported_format", "The file is named .csv but is an Excel workbook; rename it to .xlsx."
        )
    return _csv_lines(data)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(
        "import.unreadable", "The CSV file is neither UTF-8 nor GBK/GB18030 text; save it as CSV (UTF-8) from Excel."
    )


def _csv_lines(data: bytes) -> Generator[_Line, None, None]:
    text = _decode(data)
    if "\x00" in text:
        raise _file_error("import.unreadable", "The CSV file contains binary data; save it as CSV (UTF-8) from Excel.")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        # One record is one row as Excel shows it, even when a quoted body spans several lines.
        for number, record in enumerate(reader, start=1):
            yield _Line(number, [_csv_cell(cell) for cell in record])
    except csv.Error as exc:
        raise _file_error("import.unreadable", f"The CSV file is malformed: {exc}.", row=number + 1) from exc


def _csv_cell(cell: str) -> str:
    # Excel's way of keeping a leading zero in CSV: ="0012".
    if len(cell) >= 3 and cell.startswith('="') and cell.endswith('"'):
        cell = cell[2:-1]
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def _xlsx_lines(data: bytes, max_unpacked_bytes: int) -> Generator[_Line, None, None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _unreadable_xlsx() from exc
    if unpacked > max_unpacked_bytes:
        raise _file_error("import.file_too_large", "The workbook unpacks to too much data; split it.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _unreadable_xlsx() from exc
    try:
        sheets = workbook.worksheets
        if not sheets:
            return
        sheet = sheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size; read what is there
        rows = sheet.iter_rows()
        number = 0
        while True:
            with warnings.catch_warnings():  # only around openpyxl's own work, never across a yield
                warnings.simplefilter("ignore")
                cells = next(rows, None)
            if cells is None:
                return
            number += 1
            errors = frozenset(position for position, cell in enumerate(cells) if cell.data_type == "e")
            yield _Line(number, [_xlsx_text(cell) for cell in cells], errors)
    except Exception as exc:
        raise _unreadable_xlsx() from exc
    finally:
        workbook.close()


def _unreadable_xlsx() -> _FileProblem:
    return _file_error(
        "import.unreadable", "The Excel file is damaged or not a workbook; open it in Excel and save again."
    )


def _xlsx_text(cell: Any) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        number_format = getattr(cell, "number_format", None) or ""
        if _ZEROS_FORMAT_RE.fullmatch(number_format) and value >= 0:
            return str(value).zfill(len(number_format))  # a code shown as 0012
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


# --------------------------------------------------------------------------- from rows to records


@dataclass(frozen=True)
class Record:
    """A data row: text by column key, and the header each key was read from."""

    row: int
    values: dict[str, str]
    headers: dict[str, str]
    excel_errors: dict[str, str] = field(default_factory=dict)


def _header_map(cells: list[str], columns: Sequence[Column]) -> tuple[dict[str, int], dict[str, str]]:
    """Which cell position holds each column, and its header as written."""
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for column in columns:
        ranks = {norm(alias): rank for rank, alias in enumerate(column.aliases)}
        best: tuple[int, int] | None = None
        for position, cell in enumerate(cells):
            rank = ranks.get(norm(cell)) if cell else None
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, position)
        if best is not None:
            positions[column.key] = best[1]
            headers[column.key] = cells[best[1]]
    return positions, headers


def read_records(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    max_rows: int,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> tuple[list[Record], list[RowError]]:
    """The non-empty data rows of a CSV or XLSX file, or the errors that stop the whole file."""
    try:
        lines = _lines(data, filename, max_bytes, max_unpacked_bytes)
        try:
            return _collect(lines, columns, max_rows)
        finally:
            lines.close()  # stops reading a workbook as soon as the answer is known
    except _FileProblem as problem:
        return [], [problem.error]


def _collect(lines: Iterator[_Line], columns: Sequence[Column], max_rows: int) -> tuple[list[Record], list[RowError]]:
    header: _Line | None = None
    first: _Line | None = None
    seen = 0
    for line in lines:
        if not any(line.cells):
            continue
        first = first or line
        if _header_map(line.cells, columns)[0]:
            header = line
            break
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        return [], [RowError(0, None, "import.empty", "The file has no rows.")]
    if header is None:
        header = first
    positions, headers = _header_map(header.cells, columns)
    missing = [
        RowError(
            header.row,
            column.label.split(" ")[0],
            "import.missing_column",
            f"The column {column.label} is missing; name it {' / '.join(column.aliases)}.",
        )
        for column in columns
        if column.required and column.key not in positions
    ]
    if missing:
        return [], missing
    records: list[Record] = []
    for line in lines:
        values = {key: line.cells[at] if at < len(line.cells) else "" for key, at in positions.items()}
        if not any(values.values()):
            continue  # empty, or only cells we do not read (a pre-filled 序号, a note)
        if len(records) >= max_rows:
            return [], [
                RowError(
                    line.row,
                    None,
                    "import.too_many_rows",
                    f"The file has more than {max_rows} data rows; split it into smaller files.",
                )
            ]
        excel_errors = {key: values[key] or "#ERROR" for key, at in positions.items() if at in line.excel_errors}
        records.append(Record(line.row, values, headers, excel_errors))
    if not records:
        return [], [RowError(0, None, "import.empty", "The file has a header but no data rows.")]
    return records, []


class Check:
    """Validates the cells of one record and gathers its errors."""

    def __init__(self, record: Record, columns: Sequence[Column]) -> None:
        self.record = record
        self.labels = {column.key: column.label for column in columns}
        self.errors: list[RowError] = []

    def header(self, key: str) -> str:
        """The column's header as the file writes it, or its label when the file has no such column."""
        return self.record.headers.get(key, self.labels[key])

    def column(self, key: str) -> str:
        """How a RowError names the column: the file's header, or the label's first word."""
        return self.record.headers.get(key) or self.labels[key].split(" ")[0]

    def fail(self, key: str, code: str, message: str) -> None:
        """Record a problem with this row's cell `key`."""
        self.errors.append(RowError(self.record.row, self.column(key), code, message))

    def text(self, key: str, *, required: bool = False, max_len: int | None = None, fold: bool = False) -> str:
        """The cell's text, or "" after recording an error."""
        if key in self.record.excel_errors:
            self.fail(
                key, "import.bad_value", f"{self.header(key)} holds an Excel error ({self.record.excel_errors[key]})."
            )
            return ""
        value = self.record.values.get(key, "")
        if fold:
            value = unicodedata.normalize("NFKC", value).strip()  # full-width digits and letters typed in an IME
        if not value:
            if required:
                self.fail(key, "import.required", f"{self.header(key)} is required.")
            return ""
        if max_len is not None and len(value) > max_len:
            self.fail(key, "import.too_long", f"{self.header(key)} is longer than {max_len} characters ({len(value)}).")
            return ""
        return value

    def choice(self, key: str, table: Mapping[str, str], allowed: str, default: str) -> str:
        """One of the table's values, `default` for an empty cell."""
        value = self.text(key)
        if not value:
            return default
        chosen = table.get(norm(value))
        if chosen is None:
            self.fail(key, "import.bad_value", f"{self.header(key)} '{value}' is not one of: {allowed}.")
            return default
        return chosen

    def not_scientific(self, key: str, value: str) -> bool:
        """False (with an error) when Excel turned a long code into a number like 1.23E+17."""
        if _SCIENTIFIC_RE.fullmatch(value):
            self.fail(
                key,
                "import.bad_value",
                f"{self.header(key)} '{value}' was turned into a rounded number by Excel; "
                "format the column as text and type it again.",
            )
            return False
        return True

    def phone(self, key: str, *, max_len: int) -> str:
        """A phone number: digits, +, - and spaces (one number)."""
        phone = self.text(key, max_len=max_len, fold=True)
        bad = not _PHONE_RE.fullmatch(phone) or not any(c.isdigit() for c in phone)
        if phone and self.not_scientific(key, phone) and bad:
            self.fail(
                key,
                "import.bad_value",
                f"{self.header(key)} '{phone}' may hold only digits, +, - and spaces (one number).",
            )
        return phone

    def email(self, key: str, *, max_len: int) -> str:
        """An e-mail address."""
        email = self.text(key, max_len=max_len, fold=True)
        if email and not _EMAIL_RE.fullmatch(email):
            self.fail(key, "import.bad_value", f"{self.header(key)} '{email}' is not an e-mail address.")
        return email


def read_rows(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    max_rows: int,
    build: Callable[[Check], _T],
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> tuple[list[_T], list[RowError]]:
    """What `build` makes of each valid row of a CSV or XLSX file, and every problem found; never raises on content."""
    records, errors = read_records(
        data, filename, columns, max_rows, max_bytes=max_bytes, max_unpacked_bytes=max_unpacked_bytes
    )
    rows: list[_T] = []
    for record in records:
        check = Check(record, columns)
        row = build(check)
        if check.errors:
            errors.extend(check.errors)
        else:
            rows.append(row)
    return rows, errors


# --------------------------------------------------------------------------- export


def write_xlsx(sheet_title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> bytes:
    """An XLSX workbook with one sheet: a bold, frozen header row, then one row per dict (missing keys empty)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(sheet_title)
    sheet.append([_clean(header) for _, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [min(max(_width(header), 8), 60) for _, header in columns]
    for row_number, row in enumerate(rows, start=2):
        for column_number, (key, _) in enumerate(columns, start=1):
            value, number_format = _excel_value(row.get(key), key, row_number)
            cell = sheet.cell(row=row_number, column=column_number)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, even when the text starts with "="
                widths[column_number - 1] = min(max(widths[column_number - 1], _width(value)), 60)
            if number_format:
                cell.number_format = number_format
                widths[column_number - 1] = max(widths[column_number - 1], len(number_format))
    for column_number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column_number)].width = width + 2
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = _SHEET_TITLE_FORBIDDEN_RE.sub("_", _clean(title)).strip("' ")
    return cleaned[:31] or "Sheet1"


def _clean(text: str) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > _EXCEL_CELL_MAX:
        text = text[: _EXCEL_CELL_MAX - 1] + "…"
    return text


def _width(text: str) -> int:
    line = max(text.split("\n"), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _excel_value(value: Any, key: str, row_number: int) -> tuple[str | int | float | datetime | date | None, str]:
    """The cell value and its number format ("" for the default)."""
    if value is None:
        return None, ""
    if isinstance(value, bool):
        return ("是" if value else "否"), ""
    if isinstance(value, int):
        # Excel keeps 15 significant digits; longer numbers (18-digit codes) would be rounded.
        return (str(value), "") if abs(value) >= 10**15 else (value, "")
    if isinstance(value, float):
        return (value, "") if math.isfinite(value) else (str(value), "")
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{key!r} on row {row_number} is a naive datetime; give it a time zone.")
        return value.astimezone(_SHANGHAI).replace(tzinfo=None), "yyyy-mm-dd hh:mm"
    if isinstance(value, date):
        return value, "yyyy-mm-dd"
    if isinstance(value, str):
        return _clean(value), ""
    if isinstance(value, list | tuple):
        return _clean("、".join(str(item) for item in value if item is not None)), ""
    raise TypeError(f"{key!r} on row {row_number} has a value of type {type(value).__name__} that cannot be exported.")
