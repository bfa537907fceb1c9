"""The figures of the handling ledger (台账与统计): counts and rates per group, the units' league table and
their XLSX export. Pure: rows in, numbers (or bytes) out; no I/O.

A row is the `figures` of one case as the store keeps it (`store.cases.figures`), optionally with the
case's `congress_id`. **Cancelled cases (merged, passed up, withdrawn in assignment) are left out of
everything.** Of the remaining cases of a group:

| count | meaning |
|---|---|
| `cases` 件数 | the cases |
| `replied` 已答复 | a reply reached the deputy (delivered; not one under review or sent back) |
| `due` 应答复 | replied, or waiting for the unit's reply (`handling`) past the deadline in force at `now` |
| `on_time` 按时答复 | the first delivered reply was submitted by the deadline in force then |
| `overdue` 逾期未答复 | `due` − `replied`: no reply reached the deputy and the deadline has passed |
| `closed` 办结 | closed after a satisfied / basically satisfied rating or the chair meeting's decision |
| `category_a/b/c` | replied cases by their last delivered reply's category (B with every commitment done: A) |
| `rated` 已测评 | the deputy's rating has come in (the last one counts) |
| `satisfied`, `basically_satisfied`, `unsatisfied` | the last rating's result |
| `contacted` 见面沟通 | at least one contact with the deputy is logged |

| rate | formula |
|---|---|
| `on_time_rate` 按时办复率 | `on_time / due` |
| `completion_rate` 办结率 | `closed / cases` |
| `solved_rate` 解决率 | `category_a / replied` |
| `satisfaction_rate` 满意率 | `(satisfied + basically_satisfied) / rated` |
| `contact_rate` 见面沟通率 | `contacted / cases` |

Rates are numbers 0..1 rounded to 4 places, `None` when the denominator is 0. A case whose reply waits
for staff's review past the deadline is not yet `due`: it counts once the reply reaches the deputy (on
time if submitted by the deadline) or goes back to the unit (then, past the deadline, it is overdue).

The league table (`league`) ranks lead units by on-time rate, then satisfaction rate, then completion
rate, each highest first, a rate with no denominator (`None`) below every number; units equal on all
three share a rank (1, 2, 2, 4 …) and are listed by unit id.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal, get_args

import openpyxl

from shared.spreadsheets import write_xlsx

GroupBy = Literal["unit", "field", "category", "congress", "year"]
GROUPINGS: tuple[GroupBy, ...] = get_args(GroupBy)
Row = Mapping[str, Any]

CATEGORY_LABELS: dict[str | None, str] = {
    "A": "A类（已解决或采纳）",
    "B": "B类（正在解决或列入计划）",
    "C": "C类（留作参考）",
    None: "未答复",
}
GROUP_HEADERS: dict[GroupBy, str] = {
    "unit": "承办单位",
    "field": "领域",
    "category": "答复类别",
    "congress": "人大",
    "year": "年度",
}
RATES = ("on_time_rate", "completion_rate", "solved_rate", "satisfaction_rate", "contact_rate")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator rounded to 4 places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


@dataclass
class Counts:
    """What one group adds up; `add` one row at a time."""

    cases: int = 0
    replied: int = 0
    due: int = 0
    on_time: int = 0
    overdue: int = 0
    closed: int = 0
    category_a: int = 0
    category_b: int = 0
    category_c: int = 0
    rated: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    contacted: int = 0

    def add(self, row: Row, now: datetime) -> None:
        """Count one case (the caller leaves cancelled ones out)."""
        self.cases += 1
        replied = bool(row.get("replied"))
        if replied:
            self.replied += 1
            self.due += 1
            if row.get("on_time"):
                self.on_time += 1
            category = row.get("category")
            if category == "A":
                self.category_a += 1
            elif category == "B":
                self.category_b += 1
            elif category == "C":
                self.category_c += 1
        elif row.get("status") == "handling" and _past(row.get("reply_due_at"), now):
            self.due += 1
            self.overdue += 1
        if row.get("closed"):
            self.closed += 1
        result = row.get("result")
        if result in ("satisfied", "basically_satisfied", "unsatisfied"):
            self.rated += 1
            setattr(self, result, getattr(self, result) + 1)
        if row.get("contacted"):
            self.contacted += 1


def _past(due_at: object, now: datetime) -> bool:
    return isinstance(due_at, datetime) and due_at < now


@dataclass(frozen=True)
class Group:
    """The figures of one group: its key and label, the counts, the rates."""

    key: str | None
    label: str
    cases: int
    replied: int
    due: int
    on_time: int
    overdue: int
    closed: int
    category_a: int
    category_b: int
    category_c: int
    rated: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    contacted: int
    on_time_rate: float | None
    completion_rate: float | None
    solved_rate: float | None
    satisfaction_rate: float | None
    contact_rate: float | None

    @classmethod
    def of(cls, key: str | None, label: str, c: Counts) -> Group:
        return cls(
            key=key,
            label=label,
            **asdict(c),
            on_time_rate=rate(c.on_time, c.due),
            completion_rate=rate(c.closed, c.cases),
            solved_rate=rate(c.category_a, c.replied),
            satisfaction_rate=rate(c.satisfied + c.basically_satisfied, c.rated),
            contact_rate=rate(c.contacted, c.cases),
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Table:
    """The groups (in their order) and the total over all of them."""

    by: GroupBy
    groups: list[Group]
    total: Group


@dataclass(frozen=True)
class Ranked:
    """A lead unit's place in the league table."""

    rank: int
    group: Group  # key: the unit id, label: its name


def counted(rows: Iterable[Row]) -> list[Row]:
    """The rows the figures count: every case but the cancelled ones."""
    return [r for r in rows if not r.get("cancelled") and r.get("status") != "cancelled"]


def _key(row: Row, by: GroupBy) -> str | None:
    if by == "unit":
        return str(row.get("lead_unit_id") or "")
    if by == "field":
        return str(row.get("field") or "")
    if by == "category":
        category = row.get("category") if row.get("replied") else None
        return str(category) if category else None
    if by == "congress":
        return str(row.get("congress_id") or "")
    return str(row.get("year") or "")


def _label(key: str | None, by: GroupBy, names: Counter[str]) -> str:
    if by == "category":
        return CATEGORY_LABELS.get(key, str(key))
    if by == "unit" and names:
        # the name most cases carry (a unit renamed during the year keeps one line), ties by the later name
        return max(names.items(), key=lambda item: (item[1], item[0]))[0]
    if by == "year":
        return f"{key}年" if key else "未知"
    if by == "field":
        return key or "未分类"
    return key or ""


def _order(group: Group, by: GroupBy) -> tuple[int, str]:
    if by == "category":
        return (list(CATEGORY_LABELS).index(group.key) if group.key in CATEGORY_LABELS else 99, group.key or "")
    return (0, group.key or "")


def table(rows: Iterable[Row], by: GroupBy, *, now: datetime) -> Table:
    """The figures per group (units, fields and congresses by key; categories A, B, C then unreplied; years
    ascending) and over all, at `now` (which decides what is due)."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    counts: dict[str | None, Counts] = {}
    names: dict[str | None, Counter[str]] = {}
    total = Counts()
    for row in counted(rows):
        key = _key(row, by)
        counts.setdefault(key, Counts()).add(row, now)
        total.add(row, now)
        if by == "unit":
            names.setdefault(key, Counter())[str(row.get("lead_unit_name") or key)] += 1
    groups = [Group.of(key, _label(key, by, names.get(key, Counter())), c) for key, c in counts.items()]
    groups.sort(key=lambda g: _order(g, by))
    return Table(by=by, groups=groups, total=Group.of(None, "合计", total))


def _score(group: Group) -> tuple[float, ...]:
    """Ascending sort key: higher rates first, a missing rate after every number."""
    key: list[float] = []
    for value in (group.on_time_rate, group.satisfaction_rate, group.completion_rate):
        key += [1.0, 0.0] if value is None else [0.0, -value]
    return tuple(key)


def league(rows: Iterable[Row], *, now: datetime) -> list[Ranked]:
    """The lead units ranked: on-time rate, then satisfaction rate, then completion rate (see the module)."""
    units = sorted(table(rows, "unit", now=now).groups, key=lambda g: (_score(g), g.key or ""))
    ranked: list[Ranked] = []
    for position, group in enumerate(units, start=1):
        tied = ranked and _score(ranked[-1].group) == _score(group)
        ranked.append(Ranked(rank=ranked[-1].rank if tied else position, group=group))
    return ranked


# --- the spreadsheet ----------------------------------------------------------------------------

COUNT_HEADERS: list[tuple[str, str]] = [
    ("cases", "件数"),
    ("replied", "已答复"),
    ("due", "应答复"),
    ("on_time", "按时答复"),
    ("overdue", "逾期未答复"),
    ("closed", "办结"),
    ("category_a", "A类"),
    ("category_b", "B类"),
    ("category_c", "C类"),
    ("rated", "已测评"),
    ("satisfied", "满意"),
    ("basically_satisfied", "基本满意"),
    ("unsatisfied", "不满意"),
    ("contacted", "见面沟通"),
]
RATE_HEADERS: list[tuple[str, str]] = [
    ("on_time_rate", "按时办复率"),
    ("completion_rate", "办结率"),
    ("solved_rate", "解决率"),
    ("satisfaction_rate", "满意率"),
    ("contact_rate", "见面沟通率"),
]


def sheet_title(year: int | None) -> str:
    return f"{year}年建议办理统计" if year is not None else "建议办理统计"


def export_xlsx(result: Table, *, year: int | None, league_table: list[Ranked] | None = None) -> bytes:
    """The table as a workbook: one row per group, then 合计; rates as percentages (empty when undefined).
    With `league_table` (by unit), the rank comes first and the rows follow the league order."""
    columns = [("label", GROUP_HEADERS[result.by]), *COUNT_HEADERS, *RATE_HEADERS]
    if result.by == "unit":
        columns.insert(0, ("key", "单位编码"))
    rows: list[dict[str, Any]] = []
    if league_table is not None:
        columns.insert(0, ("rank", "排名"))
        rows = [{**r.group.as_dict(), "rank": r.rank} for r in league_table]
    else:
        rows = [g.as_dict() for g in result.groups]
    rows.append({**result.total.as_dict(), "key": None})
    data = write_xlsx(sheet_title(year), columns, rows)
    # write_xlsx writes the rates as plain numbers; show them as percentages
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    rate_columns = [i for i, (key, _) in enumerate(columns, start=1) if key in RATES]
    for row_cells in sheet.iter_rows(min_row=2):
        for index in rate_columns:
            row_cells[index - 1].number_format = "0.00%"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


__all__ = [
    "CATEGORY_LABELS",
    "GROUPINGS",
    "GROUP_HEADERS",
    "RATES",
    "XLSX_MEDIA_TYPE",
    "Counts",
    "Group",
    "GroupBy",
    "Ranked",
    "Table",
    "counted",
    "export_xlsx",
    "league",
    "rate",
    "table",
]
