"""Bulk import of deputies and suggestions from CSV/XLSX, and export of lists to XLSX. Bytes in, bytes out; no I/O.

The reading itself (encodings, header search, XLSX guards, per-row checks) is `shared.spreadsheets`';
this module says which columns intake reads and what makes a row valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from shared.spreadsheets import (
    MAX_FILE_BYTES,
    MAX_UNPACKED_BYTES,
    Check,
    Column,
    RowError,
    choices,
    read_rows,
    write_xlsx,
)

MAX_DEPUTY_ROWS = 20_000
MAX_SUGGESTION_ROWS = 2_000

# Structural limits only; content review (title form, body length, allowed fields) is services.intake.checks'.
TITLE_MAX = 200
BODY_MAX = 20_000
CO_SIGNERS_MAX = 200
NAME_MAX = 50
DELEGATION_MAX = 50
DEPUTY_ID_MAX = 64
PHONE_MAX = 30
EMAIL_MAX = 254
DEPUTY_REF_MAX = 64  # a lead deputy or co-signer: an id (≤ 64) or a name (≤ 50)

# The byte limits are read at each import (not bound once), so that a test can lower them here.
_MAX_UNPACKED_BYTES = MAX_UNPACKED_BYTES
_T = TypeVar("_T")
_CO_SIGNER_SPLIT_RE = re.compile(r"[，,、;；/／\n]")

__all__ = [
    "MAX_DEPUTY_ROWS",
    "MAX_FILE_BYTES",
    "MAX_SUGGESTION_ROWS",
    "DeputyRow",
    "RowError",
    "SuggestionRow",
    "read_deputies",
    "read_suggestions",
    "write_xlsx",
]


@dataclass(frozen=True)
class DeputyRow:
    """A deputy read from an import file."""

    row: int
    id: str
    name: str
    delegation: str
    phone: str
    email: str


@dataclass(frozen=True)
class SuggestionRow:
    """A suggestion read from an import file."""

    row: int
    title: str
    body: str
    field: str
    kind: str
    origin: str
    lead_deputy: str
    co_signers: list[str]
    confidential: bool


# --------------------------------------------------------------------------- columns and values


_DEPUTY_COLUMNS = (
    Column("id", "代表编号 (id)", ("代表编号", "编号", "代表证号", "id"), required=True),
    Column("name", "姓名 (name)", ("姓名", "代表姓名", "name"), required=True),
    Column("delegation", "代表团 (delegation)", ("代表团", "所在代表团", "delegation")),
    Column("phone", "手机 (phone)", ("手机", "手机号码", "手机号", "联系电话", "电话", "phone", "mobile")),
    Column("email", "邮箱 (email)", ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail")),
)

_SUGGESTION_COLUMNS = (
    Column("title", "标题 (title)", ("标题", "建议标题", "title"), required=True),
    Column("body", "正文 (body)", ("正文", "内容", "建议内容", "建议正文", "body"), required=True),
    Column("field", "领域 (field)", ("领域", "类别领域", "所属领域", "field"), required=True),
    Column("kind", "类型 (kind)", ("类型", "提出时间", "kind")),
    Column("origin", "来源 (origin)", ("来源", "origin")),
    Column("lead_deputy", "领衔代表 (lead_deputy)", ("领衔代表", "领衔人", "lead_deputy"), required=True),
    Column("co_signers", "附议代表 (co_signers)", ("附议代表", "联名代表", "附议人", "co_signers")),
    Column("confidential", "是否保密 (confidential)", ("是否保密", "保密", "confidential")),
)

_KINDS = choices(
    {
        "session": ("大会期间", "大会", "session"),
        "recess": ("闭会期间", "闭会", "recess"),
    }
)
_KINDS_ALLOWED = "大会期间/大会/session, 闭会期间/闭会/recess"
_ORIGINS = choices(
    {
        "deputy": ("代表", "deputy"),
        "liaison_station": ("联络站", "代表联络站", "liaison_station"),
        "deputies_forum": ("座谈会", "代表座谈会", "deputies_forum"),
        "motion": ("议案转建议", "议案", "motion"),
        "lower_congress": ("下级人大转报", "下级人大", "lower_congress"),
    }
)
_ORIGINS_ALLOWED = (
    "代表/deputy, 联络站/liaison_station, 座谈会/deputies_forum, 议案转建议/议案/motion, 下级人大转报/lower_congress"
)
_FLAGS = choices({"true": ("是", "yes", "true", "1", "y"), "false": ("否", "no", "false", "0", "n")})
_FLAGS_ALLOWED = "是/否, yes/no, true/false, 1/0, Y/N"


def _read(
    data: bytes, filename: str, columns: Sequence[Column], max_rows: int, build: Callable[[Check], _T]
) -> tuple[list[_T], list[RowError]]:
    return read_rows(
        data, filename, columns, max_rows, build, max_bytes=MAX_FILE_BYTES, max_unpacked_bytes=_MAX_UNPACKED_BYTES
    )


# --------------------------------------------------------------------------- deputies


def read_deputies(data: bytes, filename: str) -> tuple[list[DeputyRow], list[RowError]]:
    """Read a deputy list (CSV or XLSX): the valid rows and every problem found; never raises on content."""
    first_row_of: dict[str, int] = {}

    def build(check: Check) -> DeputyRow:
        deputy_id = check.text("id", required=True, max_len=DEPUTY_ID_MAX, fold=True)
        if deputy_id and check.not_scientific("id", deputy_id):
            earlier = first_row_of.setdefault(deputy_id, check.record.row)
            if earlier != check.record.row:
                check.fail("id", "import.duplicate_row", f"Deputy id {deputy_id} already appears on row {earlier}.")
        name = check.text("name", required=True, max_len=NAME_MAX)
        delegation = check.text("delegation", max_len=DELEGATION_MAX)
        phone = check.phone("phone", max_len=PHONE_MAX)
        email = check.email("email", max_len=EMAIL_MAX)
        return DeputyRow(check.record.row, deputy_id, name, delegation, phone, email)

    return _read(data, filename, _DEPUTY_COLUMNS, MAX_DEPUTY_ROWS, build)


# --------------------------------------------------------------------------- suggestions


def _split_names(text: str) -> list[str]:
    """Deputies written in one cell (、，,;；/ or one per line), without blanks and repeats, in order."""
    names = (item.strip() for item in _CO_SIGNER_SPLIT_RE.split(text))
    return list(dict.fromkeys(name for name in names if name))


def read_suggestions(data: bytes, filename: str) -> tuple[list[SuggestionRow], list[RowError]]:
    """Read suggestions (XLSX or CSV): the valid rows and every problem found; never raises on content."""

    def build(check: Check) -> SuggestionRow:
        title = check.text("title", required=True, max_len=TITLE_MAX)
        body = check.text("body", required=True, max_len=BODY_MAX)
        field_ = check.text("field", required=True)
        kind = check.choice("kind", _KINDS, _KINDS_ALLOWED, "session")
        origin = check.choice("origin", _ORIGINS, _ORIGINS_ALLOWED, "deputy")
        lead = check.text("lead_deputy", required=True, max_len=DEPUTY_REF_MAX)
        co_signers = [name for name in _split_names(check.text("co_signers")) if name != lead]
        too_long = [name for name in co_signers if len(name) > DEPUTY_REF_MAX]
        if too_long:
            check.fail(
                "co_signers",
                "import.too_long",
                f"{check.header('co_signers')}: '{too_long[0][:20]}…' is longer than {DEPUTY_REF_MAX} characters; "
                "separate names with 、",
            )
        if len(co_signers) > CO_SIGNERS_MAX:
            check.fail(
                "co_signers", "import.bad_value", f"{check.header('co_signers')} lists more than {CO_SIGNERS_MAX}."
            )
        flag = check.choice("confidential", _FLAGS, _FLAGS_ALLOWED, "false")
        return SuggestionRow(
            row=check.record.row,
            title=title,
            body=body,
            field=field_,
            kind=kind,
            origin=origin,
            lead_deputy=lead,
            co_signers=co_signers,
            confidential=flag == "true",
        )

    return _read(data, filename, _SUGGESTION_COLUMNS, MAX_SUGGESTION_ROWS, build)
