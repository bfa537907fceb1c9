"""The year's units and honours: unit figures, unit assessment (考核), excellent suggestions and deputies.

Staff score units and make the selections; staff and leaders read them. Rules and codes live in
`services/evaluation/selections.py`; see README.selections.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.selections import (
    DEFAULT_MAXIMA,
    PARTS,
    Candidate,
    Line,
    Part,
    PartValue,
    Selection,
    UnitFigures,
    choose,
    lines,
    new_selection,
    publish_assessment,
    publish_selection,
    same_listing,
    score_unit,
    set_maxima,
    warnings,
)
from services.evaluation.store.selections import SelectionStore
from shared.auth import Principal, Role, require
from shared.contracts.evaluation import SelectionKind
from shared.errors import Conflict

router = APIRouter(tags=["selections"])
Clock = Callable[[], datetime]


def _store(request: Request) -> SelectionStore:
    store: SelectionStore = request.app.state.selections
    return store


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


Store = Annotated[SelectionStore, Depends(_store)]
Now = Annotated[Clock, Depends(_clock)]
StaffUser = Annotated[Principal, Depends(require(Role.STAFF))]
StaffOrLeader = Annotated[Principal, Depends(require(Role.STAFF, Role.LEADER))]
Year = Annotated[int, Path(ge=2000, le=2100, description="the ledger year (Asia/Shanghai)")]
UnitId = Annotated[str, Path(min_length=1, max_length=100)]


class Strict(BaseModel):
    """Request bodies refuse unknown fields; the rules behind them answer with `assessment.*` / `selection.*`."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# --- figures ---------------------------------------------------------------------------------------


class UnitFiguresPublic(BaseModel):
    """A lead unit's figures for a year: counts, and rates from 0 to 1 (`null` without a denominator)."""

    unit_id: str
    unit_name: str
    cases: int
    replied: int
    due: int
    on_time: int
    overdue: int
    closed: int
    contacted: int
    rated: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    on_time_rate: float | None
    completion_rate: float | None
    contact_rate: float | None
    satisfaction_rate: float | None

    @classmethod
    def of(cls, f: UnitFigures) -> UnitFiguresPublic:
        return cls(
            **vars(f),
            on_time_rate=f.on_time_rate,
            completion_rate=f.completion_rate,
            contact_rate=f.contact_rate,
            satisfaction_rate=f.satisfaction_rate,
        )


class YearFiguresPublic(UnitFiguresPublic):
    """A unit's figures of one year, as of `at`."""

    year: int
    at: datetime


@router.get("/units/{unit_id}/figures", summary="A unit's figures for a year")
async def read_unit_figures(
    unit_id: UnitId,
    who: StaffOrLeader,
    store: Store,
    now: Now,
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> YearFiguresPublic:
    """The cases the unit led in the year (from supervision's events) and the deputies' results; counted at
    the moment of reading (what is overdue depends on it). `figures.not_found` when it led none."""
    at = now()
    f = await store.unit(who.congress_id, year, unit_id, now=at)
    return YearFiguresPublic(**UnitFiguresPublic.of(f).model_dump(), year=year, at=at)


# --- unit assessment (考核) ------------------------------------------------------------------------------


class MaximaIn(Strict):
    """The maximum of each part (0-1000; together more than 0). A part left out has its default."""

    rules: float = DEFAULT_MAXIMA["rules"]
    staffing: float = DEFAULT_MAXIMA["staffing"]
    contact: float = DEFAULT_MAXIMA["contact"]
    reply_standard: float = DEFAULT_MAXIMA["reply_standard"]
    results: float = DEFAULT_MAXIMA["results"]


class PartScoresIn(Strict):
    """Staff's scores, each from 0 to its part's maximum; `null` or left out: not given (the figure, if any, counts)."""

    rules: float | None = None
    staffing: float | None = None
    contact: float | None = None
    reply_standard: float | None = None
    results: float | None = None


class PartNotesIn(Strict):
    """Why staff scored a part; required for `contact`, `reply_standard` and `results` when staff score them."""

    rules: str = ""
    staffing: str = ""
    contact: str = ""
    reply_standard: str = ""
    results: str = ""


class UnitScoreIn(Strict):
    """Staff's scores of a unit; they replace what staff gave the unit before."""

    scores: PartScoresIn = Field(default_factory=PartScoresIn)
    notes: PartNotesIn = Field(default_factory=PartNotesIn)
    note: str = Field(default="", description="a note on the unit's assessment, ≤ 1000 characters")
    label: str = Field(default="", description="the unit's name as shown; default: its name in the figures")


class PartPublic(BaseModel):
    """One part of a unit's score: `source` is `staff`, `figures` or `none` (missing); `figure` the pre-fill."""

    part: Part
    max: float
    value: float | None
    source: str
    figure: float | None
    note: str

    @classmethod
    def of(cls, p: PartValue) -> PartPublic:
        return cls(**vars(p))


class LinePublic(BaseModel):
    """A unit's line: parts, total, grade and rank (`null` until the line is complete)."""

    unit_id: str
    label: str
    rank: int | None
    total: float
    max_total: float
    complete: bool
    grade: str | None
    parts: list[PartPublic]
    figures: UnitFiguresPublic | None
    note: str

    @classmethod
    def of(cls, x: Line) -> LinePublic:
        return cls(
            unit_id=x.unit_id,
            label=x.label,
            rank=x.rank,
            total=x.total,
            max_total=x.max_total,
            complete=x.complete,
            grade=x.grade,
            parts=[PartPublic.of(p) for p in x.parts],
            figures=UnitFiguresPublic.of(x.figures) if x.figures else None,
            note=x.note,
        )


class AssessmentPublic(BaseModel):
    """The year's assessment, ranked. A draft is worked out at the moment of reading; a published one is frozen."""

    year: int
    state: str
    maxima: dict[str, float]
    revision: int
    published_at: datetime | None
    published_by: str
    lines: list[LinePublic]
    count: int


async def _public(store: SelectionStore, congress_id: str, year: int, at: datetime) -> AssessmentPublic:
    a = await store.assessment(congress_id, year)
    figures = {} if a.published else await store.figures(congress_id, year, now=at)
    result = [LinePublic.of(x) for x in lines(a, figures)]
    return AssessmentPublic(
        year=year,
        state=a.state,
        maxima={p: float(a.maxima[p]) for p in PARTS},
        revision=a.revision,
        published_at=a.published_at,
        published_by=a.published_by,
        lines=result,
        count=len(result),
    )


@router.get("/assessments/{year}", summary="The year's unit assessment")
async def read_assessment(year: Year, who: StaffOrLeader, store: Store, now: Now) -> AssessmentPublic:
    """Every unit that led a case in the year or was scored, with its figures, parts, total, grade and rank."""
    return await _public(store, who.congress_id, year, now())


@router.put("/assessments/{year}", summary="Set the maxima of the year's assessment")
async def set_assessment_maxima(
    year: Year, body: MaximaIn, staff: StaffUser, store: Store, now: Now
) -> AssessmentPublic:
    """Staff set each part's maximum (draft only); scores above a new maximum are refused."""
    at = now()
    maxima: dict[Part, float] = {p: getattr(body, p) for p in PARTS}
    await store.change_assessment(staff.congress_id, year, lambda a: set_maxima(a, maxima, by=staff.subject, now=at))
    return await _public(store, staff.congress_id, year, at)


@router.put("/assessments/{year}/units/{unit_id}", summary="Score a unit")
async def score_assessment_unit(
    year: Year, unit_id: UnitId, body: UnitScoreIn, staff: StaffUser, store: Store, now: Now
) -> LinePublic:
    """Staff score a unit's parts (draft only); a part taken from the figures they score needs a note."""
    at = now()
    scores: dict[Part, float | None] = {p: getattr(body.scores, p) for p in PARTS}
    notes: dict[Part, str] = {p: getattr(body.notes, p) for p in PARTS}
    await store.change_assessment(
        staff.congress_id,
        year,
        lambda a: score_unit(
            a, unit_id, scores=scores, notes=notes, note=body.note, label=body.label, by=staff.subject, now=at
        ),
    )
    public = await _public(store, staff.congress_id, year, at)
    return next(x for x in public.lines if x.unit_id == unit_id.strip())


@router.post("/assessments/{year}/publish", summary="Publish the year's assessment")
async def publish_year_assessment(year: Year, staff: StaffUser, store: Store, now: Now) -> AssessmentPublic:
    """Staff publish the assessment as final (every unit complete): frozen and announced
    (`evaluation.assessment.published.v1`). Publishing again answers the published assessment."""
    at = now()
    figures = await store.figures(staff.congress_id, year, now=at)
    await store.change_assessment(
        staff.congress_id, year, lambda a: publish_assessment(a, figures, by=staff.subject, now=at)
    )
    return await _public(store, staff.congress_id, year, at)


# --- yearly selections ---------------------------------------------------------------------------


class CandidateIn(Strict):
    """A scored candidate: a suggestion (its id and title) or a deputy (id and name)."""

    id: str = Field(description="1-100 characters, unique in the selection")
    label: str = Field(default="", description="≤ 200 characters")
    score: float
    note: str = Field(default="", description="≤ 1000 characters")


class SelectionCreate(Strict):
    """A year's selection with its candidates; `population`: how many suggestions (or deputies) the year had."""

    kind: SelectionKind
    year: int = Field(ge=2000, le=2100)
    candidates: list[CandidateIn] = Field(max_length=5000)
    population: int | None = Field(default=None, ge=1)


class ChosenIn(Strict):
    """The chosen candidates' ids (replacing the earlier choice)."""

    ids: list[str] = Field(max_length=5000)


class CandidatePublic(BaseModel):
    id: str
    label: str
    score: float
    note: str
    chosen: bool


class WarningPublic(BaseModel):
    """Something to look at; it never stops staff."""

    code: str
    message: str
    details: dict[str, Any]


class SelectionSummary(BaseModel):
    """A selection without its candidates' list."""

    id: str
    kind: SelectionKind
    year: int
    state: str
    candidate_count: int
    chosen_count: int
    population: int | None
    share: float | None
    usual_share: float
    warnings: list[WarningPublic]
    created_at: datetime
    created_by: str
    chosen_at: datetime | None
    chosen_by: str
    published_at: datetime | None
    published_by: str
    revision: int

    @classmethod
    def fields(cls, s: Selection) -> dict[str, Any]:
        return {
            "id": s.id,
            "kind": s.kind,
            "year": s.year,
            "state": s.state,
            "candidate_count": len(s.candidates),
            "chosen_count": len(s.chosen),
            "population": s.population,
            "share": s.share,
            "usual_share": s.usual_share,
            "warnings": [WarningPublic(code=w.code, message=w.message, details=dict(w.details)) for w in warnings(s)],
            "created_at": s.created_at,
            "created_by": s.created_by,
            "chosen_at": s.chosen_at,
            "chosen_by": s.chosen_by,
            "published_at": s.published_at,
            "published_by": s.published_by,
            "revision": s.revision,
        }

    @classmethod
    def of(cls, s: Selection) -> SelectionSummary:
        return cls.model_validate(cls.fields(s))


class SelectionPublic(SelectionSummary):
    """A selection: its candidates in the order listed, and the chosen (highest score first)."""

    candidates: list[CandidatePublic]
    chosen: list[str]

    @classmethod
    def of(cls, s: Selection) -> SelectionPublic:
        chosen = set(s.chosen)
        return cls.model_validate(
            {
                **cls.fields(s),
                "candidates": [CandidatePublic(**vars(c), chosen=c.id in chosen) for c in s.candidates],
                "chosen": [c.id for c in s.chosen_candidates()],
            }
        )


class SelectionsPublic(BaseModel):
    data: list[SelectionSummary]
    count: int


@router.post("/selections", status_code=201, summary="Open a year's selection")
async def create_selection(
    body: SelectionCreate, staff: StaffUser, store: Store, now: Now, response: Response
) -> SelectionPublic:
    """Staff list the scored candidates of a year's excellent suggestions or deputies: 201. One selection per
    kind and year: the same listing again answers 200 with it, another one `selection.exists` (409)."""
    listed = [Candidate(id=c.id, label=c.label, score=c.score, note=c.note) for c in body.candidates]
    s = new_selection(
        staff.congress_id,
        kind=body.kind,
        year=body.year,
        candidates=listed,
        population=body.population,
        by=staff.subject,
        now=now(),
    )
    if await store.add_selection(s) is not None:
        return SelectionPublic.of(s)
    existing = await store.selection_of(staff.congress_id, body.kind, body.year)
    if existing is None or not same_listing(existing, listed, body.population):
        raise Conflict(
            "selection.exists",
            "The year has a selection of that kind already; change it or delete the draft.",
            id=existing.id if existing else None,
        )
    response.status_code = 200
    return SelectionPublic.of(existing)


@router.get("/selections", summary="The congress's selections")
async def list_selections(
    who: StaffOrLeader,
    store: Store,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    kind: Annotated[SelectionKind | None, Query()] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SelectionsPublic:
    """Latest year first, without the candidates' lists."""
    items, total = await store.selection_page(who.congress_id, year=year, kind=kind, skip=skip, limit=limit)
    return SelectionsPublic(data=[SelectionSummary.of(s) for s in items], count=total)


@router.get("/selections/{selection_id}", summary="Read a selection")
async def read_selection(selection_id: str, who: StaffOrLeader, store: Store) -> SelectionPublic:
    return SelectionPublic.of(await store.selection(who.congress_id, selection_id))


@router.put("/selections/{selection_id}/chosen", summary="Mark the chosen")
async def mark_chosen(selection_id: str, body: ChosenIn, staff: StaffUser, store: Store, now: Now) -> SelectionPublic:
    """Staff mark the chosen among the candidates (draft only); the answer warns when the share is far from
    the usual one or a higher score was passed over."""
    at = now()
    s = await store.change_selection(
        staff.congress_id, selection_id, lambda x: choose(x, body.ids, by=staff.subject, now=at)
    )
    return SelectionPublic.of(s)


@router.post("/selections/{selection_id}/publish", summary="Publish a selection")
async def publish(selection_id: str, staff: StaffUser, store: Store, now: Now) -> SelectionPublic:
    """Staff publish the chosen as final (`evaluation.selection.published.v1`); warnings do not stop it.
    Publishing again answers the published selection and announces nothing."""
    at = now()
    s = await store.change_selection(
        staff.congress_id, selection_id, lambda x: publish_selection(x, by=staff.subject, now=at)
    )
    return SelectionPublic.of(s)


@router.delete("/selections/{selection_id}", status_code=204, summary="Delete a draft selection")
async def delete_selection(selection_id: str, staff: StaffUser, store: Store) -> Response:
    """Staff remove a draft (to list the candidates anew); a published selection stays."""
    await store.delete_selection(staff.congress_id, selection_id)
    return Response(status_code=204)
