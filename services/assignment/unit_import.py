"""Bulk import of handling units from CSV/XLSX (Chinese headers) or a JSON list. Bytes in, units out; no I/O.

A file lists one unit per row, and may list more of its contacts on further rows: rows with the
same 单位编号 are one unit, and a row with no 单位编号 continues the unit above it (as merged cells
read). The unit fields (单位名称, 单位类别, 协调机构, 职责, 关键词, 简称) are read from the unit's
first row; its other rows leave them empty or repeat them (a different value is
`import.conflicting_value`). Each row that fills any contact cell (联系人编号, 联系人, 职务, 电话,
邮箱) adds one contact. Keywords and aliases are split on 、，, ; ； and spaces (one cell each).

Every unit then goes through the registry's rules (`units.check_unit`); their problems keep their
`unit.*` codes and point at the unit's first row (a contact's: its own row) and the column. The
reading is `shared.spreadsheets`' (UTF-8 with or without BOM, or GBK; XLSX; header searched in the
first rows). A JSON list is checked the same way: `row` is then the position, `column` the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.assignment.routing import UnitKind
from services.assignment.units import CONTACTS_MAX, Problem, Unit, check_unit
from shared.contracts.assignment import UnitContact
from shared.spreadsheets import MAX_FILE_BYTES, Check, Column, Record, RowError, choices, norm, read_records

MAX_UNITS = 2_000
# Rows, counting the extra rows that list more contacts of a unit.
MAX_ROWS = 20_000
ID_MAX = 64
_TEXT_MAX = 10_000  # a cell longer than this is refused before the rules look at it

__all__ = [
    "COLUMNS",
    "KINDS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_UNITS",
    "UnitDraft",
    "build_units",
    "read_units",
    "split_terms",
]

COLUMNS = (
    Column("id", "单位编号 (id)", ("单位编号", "单位代码", "编号", "unit_id", "id"), required=True),
    Column("name", "单位名称 (name)", ("单位名称", "承办单位", "名称", "单位", "name"), required=True),
    Column("kind", "单位类别 (kind)", ("单位类别", "单位类型", "类别", "类型", "kind"), required=True),
    Column("coordinator", "协调机构 (coordinator)", ("协调机构", "督查室", "协调单位", "归口督查室", "coordinator")),
    Column("duties", "职责 (duties)", ("职责", "主要职责", "部门职责", "三定职责", "duties"), required=True),
    Column("keywords", "关键词 (keywords)", ("关键词", "关键字", "keywords")),
    Column("aliases", "简称 (aliases)", ("简称", "别称", "别名", "aliases")),
    Column("contact_id", "联系人编号 (contact_id)", ("联系人编号", "联系人账号", "联系人id", "contact_id")),
    Column("contact_name", "联系人 (contact_name)", ("联系人", "联系人姓名", "contact_name", "contact")),
    Column("contact_title", "职务 (contact_title)", ("职务", "联系人职务", "contact_title")),
    Column("contact_phone", "电话 (contact_phone)", ("电话", "联系电话", "手机", "手机号码", "contact_phone", "phone")),
    Column("contact_email", "邮箱 (contact_email)", ("邮箱", "电子邮箱", "电子邮件", "contact_email", "email")),
)
_LABELS = {c.key: c.label.split(" ")[0] for c in COLUMNS}
_UNIT_FIELDS = ("name", "kind", "coordinator", "duties", "keywords", "aliases")
_CONTACT_FIELDS = ("id", "name", "title", "phone", "email")

_KIND_WORDS: dict[UnitKind, tuple[str, ...]] = {
    UnitKind.GOVERNMENT_DEPARTMENT: ("政府部门", "政府组成部门", "政府工作部门", "政府直属机构", "政府"),
    UnitKind.PARTY_MASS_ORGANISATION: ("党群部门", "党群", "群团组织", "人民团体", "党委部门"),
    UnitKind.COURT: ("法院", "人民法院"),
    UnitKind.PROCURATORATE: ("检察院", "人民检察院"),
    UnitKind.SUPERVISORY_COMMISSION: ("监察委员会", "监委", "纪委监委"),
    UnitKind.VERTICALLY_MANAGED: ("垂直管理单位", "垂直管理", "垂管单位", "中央驻地单位", "省驻地单位"),
}
KINDS = choices({kind.value: (*words, kind.value) for kind, words in _KIND_WORDS.items()})
_KINDS_ALLOWED = (
    "政府部门, 党群部门, 法院, 检察院, 监察委员会, 垂直管理单位 (or " + ", ".join(k.value for k in UnitKind) + ")"
)
_TERM_SPLIT_RE = re.compile(r"[、，,;；\s]+")


@dataclass(frozen=True)
class UnitDraft:
    """A unit as an import states it, before the registry's rules are checked.

    `row` is the unit's first row in a file, or its position (from 1) in a JSON list. A file's
    draft also knows where each value came from, so that a problem names its row and column.
    """

    row: int
    id: str
    name: str = ""
    kind: UnitKind | None = None
    coordinator: str = ""
    duties: str = ""
    keywords: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    contacts: tuple[UnitContact, ...] = ()
    active: bool | None = None  # None: an existing unit keeps its state, a new one is active
    row_count: int = 1  # the rows of the file that describe it
    headers: Mapping[str, str] = field(default_factory=dict)  # column key → header in the file; empty for JSON
    contact_rows: tuple[int, ...] = ()  # the row of each contact
    reported: frozenset[str] = frozenset()  # cells already reported while reading: "kind", "contacts.phone#2"


def split_terms(text: str) -> tuple[str, ...]:
    """Keywords or aliases written in one cell, without blanks and repeats, in order."""
    return tuple(dict.fromkeys(t for t in _TERM_SPLIT_RE.split(text) if t))


# --------------------------------------------------------------------------- files


@dataclass
class _Row:
    """One data row as read: its unit's id, the unit fields it fills, and its contact (if any)."""

    row: int
    unit_id: str
    values: dict[str, object]
    contact: UnitContact | None
    reported: set[str]


def read_units(data: bytes, filename: str) -> tuple[list[UnitDraft], list[RowError]]:
    """Read a unit list (CSV or XLSX): a draft per unit and every problem found; never raises on content."""
    records, errors = read_records(data, filename, COLUMNS, MAX_ROWS, max_bytes=MAX_FILE_BYTES)
    if errors:
        return [], errors
    rows: list[_Row] = []
    for record in records:
        reader = _RowReader(record)
        row = reader.row(rows[-1].unit_id if rows else None)
        errors += reader.check.errors
        if row is not None:
            rows.append(row)
    headers = dict(records[0].headers)
    drafts, group_errors = _group(rows, headers)
    errors += group_errors
    if len(drafts) > MAX_UNITS:
        errors.append(
            RowError(0, None, "import.too_many_units", f"The file lists more than {MAX_UNITS} units; split it.")
        )
    return drafts, sorted(errors, key=lambda e: e.row)


class _RowReader:
    """Reads the cells of one record, noting which cells were reported as unreadable."""

    def __init__(self, record: Record) -> None:
        self.check = Check(record, COLUMNS)
        self.reported: set[str] = set()

    def cell(self, key: str, *, fold: bool = False, code: bool = False) -> str:
        """A cell's text ("" once reported); `code`: refuse what Excel turned into a rounded number."""
        before = len(self.check.errors)
        value = self.check.text(key, max_len=_TEXT_MAX, fold=fold)
        if value and code:
            self.check.not_scientific(key, value)
        if len(self.check.errors) > before:
            self.reported.add(key)
            return ""
        return value

    def row(self, above: str | None) -> _Row | None:
        """The row's unit id, the unit fields it fills and its contact; None without a unit id.

        A row without a unit id continues the unit of the row `above` (merged cells read so).
        """
        check = self.check
        unit_id = check.text("id", required=above is None, max_len=ID_MAX, fold=True) or above or ""
        if unit_id and not check.not_scientific("id", unit_id):
            unit_id = ""
        values: dict[str, object] = {}
        for key in ("name", "coordinator", "duties"):
            if text := self.cell(key):
                values[key] = text
        for key in ("keywords", "aliases"):
            if terms := split_terms(self.cell(key)):
                values[key] = terms
        if kind_text := self.cell("kind"):
            kind = KINDS.get(norm(kind_text))
            if kind is None:
                check.fail(
                    "kind", "import.bad_value", f"{check.header('kind')} '{kind_text}' is not one of: {_KINDS_ALLOWED}."
                )
                self.reported.add("kind")
            else:
                values["kind"] = UnitKind(kind)
        parts = {
            "id": self.cell("contact_id", fold=True, code=True),
            "name": self.cell("contact_name"),
            "title": self.cell("contact_title"),
            "phone": self.cell("contact_phone", fold=True, code=True),
            "email": self.cell("contact_email", fold=True),
        }
        filled = any(parts.values()) or any(f"contact_{k}" in self.reported for k in _CONTACT_FIELDS)
        contact = UnitContact(**parts) if filled else None
        if not unit_id:
            return None
        return _Row(check.record.row, unit_id, values, contact, self.reported)


def _group(rows: list[_Row], headers: dict[str, str]) -> tuple[list[UnitDraft], list[RowError]]:
    """Rows with the same unit id are one unit: its fields from its first row, its contacts in order."""
    errors: list[RowError] = []
    by_id: dict[str, list[_Row]] = {}
    for row in rows:
        by_id.setdefault(row.unit_id, []).append(row)
    drafts: list[UnitDraft] = []
    for unit_id, group in by_id.items():
        first = group[0]
        values = first.values
        reported = {key for key in first.reported if key in _UNIT_FIELDS}
        contacts: list[UnitContact] = []
        contact_rows: list[int] = []
        for row in group:
            if row is not first:
                errors += _conflicts(unit_id, first, row, headers, skip=reported)
            if row.contact is not None:
                index = len(contacts)
                reported |= {f"contacts.{k}#{index}" for k in _CONTACT_FIELDS if f"contact_{k}" in row.reported}
                contacts.append(row.contact)
                contact_rows.append(row.row)
        drafts.append(
            UnitDraft(
                row=first.row,
                id=unit_id,
                name=str(values.get("name", "")),
                kind=_kind(values.get("kind")),
                coordinator=str(values.get("coordinator", "")),
                duties=str(values.get("duties", "")),
                keywords=_terms(values.get("keywords")),
                aliases=_terms(values.get("aliases")),
                contacts=tuple(contacts),
                row_count=len(group),
                headers=headers,
                contact_rows=tuple(contact_rows),
                reported=frozenset(reported),
            )
        )
    return drafts, errors


def _conflicts(unit_id: str, first: _Row, row: _Row, headers: dict[str, str], *, skip: set[str]) -> list[RowError]:
    """A later row of a unit may leave a unit field empty or repeat it, not change it."""
    errors = []
    for key, value in row.values.items():
        if key not in skip and value != first.values.get(key):
            header = headers.get(key, _LABELS[key])
            errors.append(
                RowError(
                    row.row,
                    header,
                    "import.conflicting_value",
                    f"Unit {unit_id} is described on row {first.row}: leave {header} empty on its other rows, "
                    "or repeat it (a row without 单位编号 belongs to the unit above).",
                )
            )
    return errors


def _kind(value: object) -> UnitKind | None:
    return value if isinstance(value, UnitKind) else None


def _terms(value: object) -> tuple[str, ...]:
    return tuple(str(t) for t in value) if isinstance(value, tuple) else ()


# --------------------------------------------------------------------------- drafts to units


def build_units(
    congress_id: str,
    drafts: Sequence[UnitDraft],
    *,
    active: Mapping[str, bool] | None = None,
    updated_at: datetime | None = None,
) -> tuple[list[Unit], list[RowError]]:
    """The units the drafts describe, checked by the registry's rules; with any problem, no units and every problem.

    `active` is the state of the units that exist already: a draft that does not say (`active` None)
    keeps it, so an import does not undo a deactivation; a new unit is active.
    """
    known = active or {}
    errors: list[RowError] = []
    if len(drafts) > MAX_UNITS:
        errors.append(RowError(0, None, "import.too_many_units", f"At most {MAX_UNITS} units at once; split them."))
    units: list[Unit] = []
    first_of: dict[str, int] = {}
    for draft in drafts:
        earlier = first_of.setdefault(draft.id, draft.row)
        if earlier != draft.row:
            errors.append(
                RowError(draft.row, _column(draft, "id", None), "import.duplicate_row", _duplicate(draft, earlier))
            )
        unit, problems = check_unit(
            congress_id=congress_id,
            unit_id=draft.id,
            name=draft.name,
            kind=draft.kind,
            coordinator=draft.coordinator,
            duties=draft.duties,
            keywords=draft.keywords,
            aliases=draft.aliases,
            contacts=draft.contacts,
            active=draft.active if draft.active is not None else known.get(draft.id, True),
            updated_at=updated_at,
        )
        errors += [_locate(draft, p) for p in problems if not _reported(draft, p)]
        if unit is not None:
            units.append(unit)
    if errors:
        return [], sorted(errors, key=lambda e: e.row)
    return units, []


def _duplicate(draft: UnitDraft, earlier: int) -> str:
    where = "row" if draft.headers else "position"
    return f"Unit id {draft.id} already appears at {where} {earlier}."


def _reported(draft: UnitDraft, problem: Problem) -> bool:
    return problem.field in draft.reported or f"{problem.field}#{problem.index}" in draft.reported


def _locate(draft: UnitDraft, problem: Problem) -> RowError:
    """The problem as a RowError: the row and column (a file) or position and field path (JSON) it concerns."""
    field_, _, part = problem.field.partition(".")
    if field_ == "contacts":
        # "too many": the first contact over the limit
        index = problem.index if problem.index is not None else CONTACTS_MAX
        row = draft.contact_rows[index] if index < len(draft.contact_rows) else draft.row
        part = part or "id"
        return RowError(
            row, _column(draft, f"contact_{part}", f"contacts[{index}].{part}"), problem.code, problem.message
        )
    path = f"{field_}[{problem.index}]" if problem.index is not None else field_
    return RowError(draft.row, _column(draft, field_, path), problem.code, problem.message)


def _column(draft: UnitDraft, key: str, path: str | None) -> str:
    if draft.headers:
        return draft.headers.get(key) or _LABELS[key]
    return path or key
