"""The figures of the ledger (台账与统计) for staff and leaders: counts and rates by unit, field, category,
congress or year, the lead units' league table, and both as XLSX. Definitions in `supervision/figures.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from services.supervision import figures as fig
from services.supervision.api.deps import Cases, Now, StaffOrLeader
from shared.mongo import Doc

router = APIRouter(tags=["figures"])
Year = Annotated[int | None, Query(ge=2000, le=2100, description="Ledger year (of formal assignment); all if absent")]
By = Annotated[fig.GroupBy, Query(description="Group by lead unit, field, reply category, congress or ledger year")]


class GroupPublic(BaseModel):
    """The figures of one group (or of all: `total`). Rates are 0..1, null when their denominator is 0."""

    key: str | None  # unit id, field, category (null: not replied), congress id, year; null in `total`
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
    def of(cls, group: fig.Group) -> GroupPublic:
        return cls(**group.as_dict())


class FiguresPublic(BaseModel):
    congress_id: str
    year: int | None
    by: fig.GroupBy
    as_of: datetime  # what is due depends on the time
    groups: list[GroupPublic]
    total: GroupPublic


class LeagueRow(GroupPublic):
    rank: int


class LeaguePublic(BaseModel):
    congress_id: str
    year: int | None
    as_of: datetime
    ranked_by: list[str]
    data: list[LeagueRow]


async def _rows(cases: Cases, congress_id: str, year: int | None) -> list[Doc]:
    return [{**row, "congress_id": congress_id} for row in await cases.figure_rows(congress_id, year)]


@router.get("/figures", summary="Figures of the ledger (台账统计)")
async def read_figures(who: StaffOrLeader, cases: Cases, now: Now, year: Year = None, by: By = "unit") -> FiguresPublic:
    """Cases, replies, on-time replies, closings, categories, ratings and contacts with the deputies per group,
    and the rates: 按时办复率 `on_time / due`, 办结率 `closed / cases`, 解决率 `category_a / replied`,
    满意率 `(satisfied + basically_satisfied) / rated`, 见面沟通率 `contacted / cases`. Cancelled cases are left out."""
    at = now()
    result = fig.table(await _rows(cases, who.congress_id, year), by, now=at)
    return FiguresPublic(
        congress_id=who.congress_id,
        year=year,
        by=by,
        as_of=at,
        groups=[GroupPublic.of(g) for g in result.groups],
        total=GroupPublic.of(result.total),
    )


@router.get("/figures/league", summary="The lead units' league table")
async def read_league(who: StaffOrLeader, cases: Cases, now: Now, year: Year = None) -> LeaguePublic:
    """Lead units ranked by on-time rate, then satisfaction rate, then completion rate (highest first; a rate
    with nothing to divide by below every number); units equal on all three share a rank, by unit id."""
    at = now()
    ranked = fig.league(await _rows(cases, who.congress_id, year), now=at)
    return LeaguePublic(
        congress_id=who.congress_id,
        year=year,
        as_of=at,
        ranked_by=["on_time_rate", "satisfaction_rate", "completion_rate"],
        data=[LeagueRow(**r.group.as_dict(), rank=r.rank) for r in ranked],
    )


_NAMES = {"unit": "按承办单位", "field": "按领域", "category": "按答复类别", "congress": "按人大", "year": "按年度"}


@router.get(
    "/figures/export",
    summary="The figures as XLSX",
    response_class=Response,
    responses={200: {"content": {fig.XLSX_MEDIA_TYPE: {}}, "description": "The workbook"}},
)
async def export_figures(
    who: StaffOrLeader,
    cases: Cases,
    now: Now,
    year: Year = None,
    by: Annotated[
        fig.GroupBy | Literal["league"], Query(description="A grouping, or `league`: the league table")
    ] = "unit",
) -> Response:
    """The same figures as `GET /figures` (or the league table) as a workbook: one row per group and 合计,
    Chinese headers (承办单位, 件数, 已答复, 按时答复, 按时办复率, 办结率, 解决率, 满意率, 见面沟通率 …)."""
    at = now()
    rows = await _rows(cases, who.congress_id, year)
    if by == "league":
        data = fig.export_xlsx(fig.table(rows, "unit", now=at), year=year, league_table=fig.league(rows, now=at))
        name = "承办单位排名"
    else:
        data = fig.export_xlsx(fig.table(rows, by, now=at), year=year)
        name = _NAMES[by]
    stem = f"{year}" if year is not None else "all"
    ascii_name = f"figures-{stem}-{by}.xlsx"
    chinese = f"{fig.sheet_title(year)}（{name}）.xlsx"
    return Response(
        data,
        media_type=fig.XLSX_MEDIA_TYPE,
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(chinese)}",
            "Cache-Control": "no-store",
        },
    )
