"""The year's units and honours: unit figures, unit assessment (考核), excellent suggestions and deputies. No I/O.

**Unit figures** come from supervision's events only (evaluation never reads supervision's database). Each case
has one record: its ledger year (the Asia/Shanghai year of `supervision.case.opened.v1`), its lead unit (as the
latest event about the case names it), its reply deadline, the reply rounds delivered with whether each was on
time, the contacts logged, whether it closed, and the result of each rated round (`evaluation.case.rated.v1`).
A unit's figures add up its cases of the year as lead unit; cancelled cases are left out, as supervision does:

| count | meaning |
|---|---|
| `cases` | cases opened in the year with the unit as lead unit |
| `replied` | a reply reached the deputy (second replies of B cases are not new replies) |
| `due` | replied, or not replied, not closed and past the reply deadline at the moment of reading |
| `on_time` | the first reply round reaching the deputy was on time (supervision's `on_time`) |
| `overdue` | `due` − `replied` |
| `closed` | closed (satisfied, basically satisfied, the chair meeting's decision) |
| `contacted` | at least one contact with the deputy logged |
| `rated`, `satisfied`, `basically_satisfied`, `unsatisfied` | the last rated round's result |

Rates (0..1, 4 places, `None` without a denominator): `on_time_rate = on_time / due`, `completion_rate =
closed / cases`, `contact_rate = contacted / cases`, `satisfaction_rate = (satisfied + basically_satisfied) /
rated` — the same definitions as supervision's figures.

**Unit assessment (考核)** of a year scores each unit on five parts, each from 0 to its maximum (defaults
rules 10, staffing 10, contact 20, reply_standard 20, results 40; set per assessment). Three parts are
pre-filled from the figures: `contact = max × contact_rate`, `reply_standard = max × on_time_rate`,
`results = max × satisfaction_rate` (2 places). Staff give `rules` and `staffing`, and may override a
pre-filled part with a note saying why. A part is then the staff's score if given, else the figure, else
missing (a part whose maximum is 0 is not assessed and counts 0). A unit's total is the sum of its parts;
it is complete when no part is missing, and graded by `total / max_total`: ≥ 90% excellent (优秀),
≥ 80% good (良好), ≥ 60% pass (合格), below fail (不合格). Complete units are ranked by total, highest first
(equal totals share a rank: 1, 2, 2, 4); incomplete units come after, unranked. Publishing needs every unit
complete and freezes the lines (figures included).

**Yearly selections**: staff list scored candidates (suggestions or deputies), mark the chosen and publish.
The usual share is about 10% of the year's suggestions and 6% of the deputies: when staff give the
`population`, a share of chosen outside half to one and a half times the usual one is warned about, never
refused; choosing a candidate while passing over one with a higher score is warned about too.

Every change returns a new object whose `events` the store writes with it in one update.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, get_args

from shared.contracts.envelope import EventData
from shared.contracts.evaluation import (
    AssessmentLine,
    AssessmentPublished,
    SelectedItem,
    SelectionKind,
    SelectionPublished,
)
from shared.errors import Conflict, Invalid

Result = Literal["satisfied", "basically_satisfied", "unsatisfied"]

# --- unit figures ------------------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator rounded to 4 places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


@dataclass(frozen=True)
class CaseRecord:
    """What evaluation knows of one case from supervision's events (and its own ratings)."""

    case_id: str
    lead_unit_id: str
    lead_unit_name: str = ""
    reply_due_at: datetime | None = None
    replies: Mapping[int, bool] = field(default_factory=dict)  # reply round → on time
    contacts: int = 0
    closed: bool = False
    cancelled: bool = False
    results: Mapping[int, Result] = field(default_factory=dict)  # rated round → result


@dataclass(frozen=True)
class UnitFigures:
    """A lead unit's figures for a year (see the module)."""

    unit_id: str
    unit_name: str
    cases: int = 0
    replied: int = 0
    due: int = 0
    on_time: int = 0
    overdue: int = 0
    closed: int = 0
    contacted: int = 0
    rated: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.due)

    @property
    def completion_rate(self) -> float | None:
        return rate(self.closed, self.cases)

    @property
    def contact_rate(self) -> float | None:
        return rate(self.contacted, self.cases)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied + self.basically_satisfied, self.rated)


def _count(f: UnitFigures, c: CaseRecord, now: datetime) -> UnitFigures:
    replied = bool(c.replies)
    on_time = replied and c.replies[min(c.replies)]
    past = c.reply_due_at is not None and c.reply_due_at < now
    due = replied or (not c.closed and past)
    result = c.results[max(c.results)] if c.results else None
    return replace(
        f,
        unit_name=c.lead_unit_name or f.unit_name,
        cases=f.cases + 1,
        replied=f.replied + replied,
        due=f.due + due,
        on_time=f.on_time + on_time,
        overdue=f.overdue + (due and not replied),
        closed=f.closed + c.closed,
        contacted=f.contacted + (c.contacts > 0),
        rated=f.rated + (result is not None),
        satisfied=f.satisfied + (result == "satisfied"),
        basically_satisfied=f.basically_satisfied + (result == "basically_satisfied"),
        unsatisfied=f.unsatisfied + (result == "unsatisfied"),
    )


def unit_figures(records: Iterable[CaseRecord], *, now: datetime) -> dict[str, UnitFigures]:
    """Each lead unit's figures from the year's case records (cancelled cases left out), by unit id."""
    out: dict[str, UnitFigures] = {}
    for c in records:
        if c.cancelled or not c.lead_unit_id:
            continue
        before = out.get(c.lead_unit_id) or UnitFigures(unit_id=c.lead_unit_id, unit_name=c.lead_unit_name)
        out[c.lead_unit_id] = _count(before, c, now)
    return dict(sorted(out.items()))


# --- unit assessment (考核) ------------------------------------------------------------------------------

Part = Literal["rules", "staffing", "contact", "reply_standard", "results"]
PARTS: tuple[Part, ...] = get_args(Part)
DEFAULT_MAXIMA: dict[Part, float] = {"rules": 10, "staffing": 10, "contact": 20, "reply_standard": 20, "results": 40}
FROM_FIGURES: tuple[Part, ...] = ("contact", "reply_standard", "results")
MAX_LIMIT = 1000.0
NOTE_MAX = 1000
LABEL_MAX = 200
UNITS_MAX = 2000
Grade = Literal["excellent", "good", "pass", "fail"]
GRADES: tuple[tuple[float, Grade], ...] = ((0.9, "excellent"), (0.8, "good"), (0.6, "pass"))
Source = Literal["staff", "figures", "none"]


@dataclass(frozen=True)
class UnitScores:
    """What staff gave one unit: scores of some parts, a note per overridden part, a label."""

    unit_id: str
    label: str = ""
    scores: Mapping[Part, float] = field(default_factory=dict)
    notes: Mapping[Part, str] = field(default_factory=dict)
    note: str = ""
    scored_at: datetime | None = None
    scored_by: str = ""


@dataclass(frozen=True)
class PartValue:
    """One part of a unit's score: its value and where it comes from (`figure`: the pre-fill, if any)."""

    part: Part
    max: float
    value: float | None
    source: Source
    figure: float | None
    note: str = ""


@dataclass(frozen=True)
class Line:
    """A unit's line of the assessment."""

    unit_id: str
    label: str
    figures: UnitFigures | None
    parts: tuple[PartValue, ...]
    total: float
    max_total: float
    complete: bool
    grade: Grade | None
    rank: int | None
    note: str = ""


@dataclass(frozen=True)
class Assessment:
    """A congress's assessment of its units for a year; `revision` 0 means not stored yet."""

    congress_id: str
    year: int
    maxima: Mapping[Part, float] = field(default_factory=lambda: dict(DEFAULT_MAXIMA))
    units: tuple[UnitScores, ...] = ()
    state: Literal["draft", "published"] = "draft"
    lines: tuple[Line, ...] = ()  # frozen at publishing
    published_at: datetime | None = None
    published_by: str = ""
    changed_at: datetime | None = None
    changed_by: str = ""
    revision: int = 0
    events: tuple[EventData, ...] = ()

    @property
    def published(self) -> bool:
        return self.state == "published"

    def scores_of(self, unit_id: str) -> UnitScores | None:
        return next((u for u in self.units if u.unit_id == unit_id), None)


def _finite(value: float) -> bool:
    return not (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def _draft(a: Assessment) -> None:
    if a.published:
        raise Conflict("assessment.published", "The assessment is published; it no longer changes.", year=a.year)


def _note(value: str, *, code: str) -> str:
    value = value.strip()
    if len(value) > NOTE_MAX:
        raise Invalid(code, f"A note is at most {NOTE_MAX} characters.", limit=NOTE_MAX)
    return value


def set_maxima(a: Assessment, maxima: Mapping[Part, float], *, by: str, now: datetime) -> Assessment:
    """Staff set the maximum of each part (a part left out keeps its default); draft only."""
    _draft(a)
    values = {p: float(maxima.get(p, DEFAULT_MAXIMA[p])) for p in PARTS}
    bad = [p for p, v in values.items() if not _finite(v) or not 0 <= v <= MAX_LIMIT]
    if bad:
        raise Invalid("assessment.maxima_invalid", f"Each maximum is from 0 to {MAX_LIMIT:g}.", parts=bad)
    if sum(values.values()) <= 0:
        raise Invalid("assessment.maxima_invalid", "The maxima add up to more than 0.", parts=list(PARTS))
    above = sorted(
        {u.unit_id for u in a.units for p, s in u.scores.items() if s > values[p]},
    )
    if above:
        raise Conflict(
            "assessment.score_above_max", "Some units' scores are above the new maxima; change them first.", units=above
        )
    if values == dict(a.maxima):
        return a
    return replace(a, maxima=values, changed_at=now, changed_by=by, revision=a.revision + 1)


def score_unit(
    a: Assessment,
    unit_id: str,
    *,
    scores: Mapping[Part, float | None],
    notes: Mapping[Part, str],
    note: str = "",
    label: str = "",
    by: str,
    now: datetime,
) -> Assessment:
    """Staff score a unit (replacing what they gave it before); a pre-filled part they score needs a note."""
    _draft(a)
    unit_id = unit_id.strip()
    if not unit_id or len(unit_id) > 100:
        raise Invalid("assessment.unit_invalid", "A unit id is 1 to 100 characters.")
    given: dict[Part, float] = {p: float(v) for p, v in scores.items() if v is not None}
    out_of_range = [p for p, v in given.items() if not _finite(v) or not 0 <= v <= a.maxima[p]]
    if out_of_range:
        raise Invalid(
            "assessment.score_out_of_range",
            "Each score is from 0 to its part's maximum.",
            parts=out_of_range,
            maxima={p: a.maxima[p] for p in out_of_range},
        )
    cleaned: dict[Part, str] = {}
    for p, text in notes.items():
        text = _note(text, code="assessment.note_too_long")
        if text:
            cleaned[p] = text
    unexplained = [p for p in FROM_FIGURES if p in given and p not in cleaned]
    if unexplained:
        raise Invalid(
            "assessment.override_note_required",
            "A part taken from the figures may be scored by staff only with a note saying why.",
            parts=unexplained,
        )
    label = " ".join(label.split())
    if len(label) > LABEL_MAX:
        raise Invalid("assessment.label_too_long", f"A label is at most {LABEL_MAX} characters.", limit=LABEL_MAX)
    before = a.scores_of(unit_id)
    if before is None and len(a.units) >= UNITS_MAX:
        raise Conflict("assessment.units_full", f"An assessment holds at most {UNITS_MAX} units.", limit=UNITS_MAX)
    new = UnitScores(
        unit_id=unit_id,
        label=label,
        scores={p: round(given[p], 2) for p in PARTS if p in given},
        notes={p: cleaned[p] for p in PARTS if p in cleaned},
        note=_note(note, code="assessment.note_too_long"),
        scored_at=now,
        scored_by=by,
    )
    if before is not None and _same(before, new):
        return a
    units = (*(u for u in a.units if u.unit_id != unit_id), new)
    return replace(a, units=tuple(sorted(units, key=lambda u: u.unit_id)), revision=a.revision + 1)


def _same(a: UnitScores, b: UnitScores) -> bool:
    return (a.label, dict(a.scores), dict(a.notes), a.note) == (b.label, dict(b.scores), dict(b.notes), b.note)


def _figure(part: Part, maximum: float, f: UnitFigures | None) -> float | None:
    if f is None or part not in FROM_FIGURES:
        return None
    rate_ = {"contact": f.contact_rate, "reply_standard": f.on_time_rate, "results": f.satisfaction_rate}[part]
    return None if rate_ is None else round(maximum * rate_, 2)


def grade_of(total: float, max_total: float) -> Grade:
    """The grade of a total out of `max_total` (see the module)."""
    share = total / max_total if max_total else 0.0
    return next((g for threshold, g in GRADES if share >= threshold - 1e-9), "fail")


def line_of(a: Assessment, unit_id: str, figures: UnitFigures | None) -> Line:
    """One unit's line (unranked) from the staff's scores and the figures."""
    given = a.scores_of(unit_id) or UnitScores(unit_id=unit_id)
    parts: list[PartValue] = []
    for p in PARTS:
        maximum = float(a.maxima[p])
        figure = _figure(p, maximum, figures)
        value: float | None
        source: Source
        if p in given.scores:
            value, source = given.scores[p], "staff"
        elif maximum == 0:  # a part not assessed this year
            value, source = 0.0, "none"
        elif figure is not None:
            value, source = figure, "figures"
        else:
            value, source = None, "none"
        parts.append(
            PartValue(part=p, max=maximum, value=value, source=source, figure=figure, note=given.notes.get(p, ""))
        )
    max_total = round(sum(x.max for x in parts), 2)
    total = round(sum(x.value or 0.0 for x in parts), 2)
    complete = all(x.value is not None for x in parts)
    return Line(
        unit_id=unit_id,
        label=given.label or (figures.unit_name if figures and figures.unit_name else unit_id),
        figures=figures,
        parts=tuple(parts),
        total=total,
        max_total=max_total,
        complete=complete,
        grade=grade_of(total, max_total) if complete else None,
        rank=None,
        note=given.note,
    )


def ranked(items: Iterable[Line]) -> list[Line]:
    """Complete lines by total (ties share a rank, then by unit id), then incomplete lines unranked."""
    every = list(items)
    complete = sorted((x for x in every if x.complete), key=lambda x: (-x.total, x.unit_id))
    rest = sorted((x for x in every if not x.complete), key=lambda x: x.unit_id)
    out: list[Line] = []
    for position, x in enumerate(complete, start=1):
        tied = out and out[-1].total == x.total
        out.append(replace(x, rank=out[-1].rank if tied else position))
    return out + [replace(x, rank=None) for x in rest]


def lines(a: Assessment, figures: Mapping[str, UnitFigures]) -> list[Line]:
    """The assessment's lines: frozen once published, else every unit with figures or scores, ranked."""
    if a.published:
        return list(a.lines)
    unit_ids = sorted(set(figures) | {u.unit_id for u in a.units})
    return ranked(line_of(a, u, figures.get(u)) for u in unit_ids)


def publish_assessment(a: Assessment, figures: Mapping[str, UnitFigures], *, by: str, now: datetime) -> Assessment:
    """Staff publish the assessment: every unit complete; the lines are frozen and announced."""
    if a.published:
        return a
    result = lines(a, figures)
    if not result:
        raise Conflict("assessment.empty", "No unit to assess in that year: no figures and no scores.", year=a.year)
    incomplete = [x.unit_id for x in result if not x.complete]
    if incomplete:
        raise Conflict(
            "assessment.incomplete",
            "Some units miss parts of their score; give them before publishing.",
            units=incomplete[:100],
            count=len(incomplete),
        )
    event = AssessmentPublished(
        congress_id=a.congress_id,
        year=a.year,
        maxima={p: float(a.maxima[p]) for p in PARTS},
        lines=[
            AssessmentLine(
                unit_id=x.unit_id,
                label=x.label,
                rank=x.rank or 0,
                total=x.total,
                max_total=x.max_total,
                grade=x.grade or "fail",
                parts={p.part: p.value or 0.0 for p in x.parts},
            )
            for x in result
        ],
        published_at=now,
        published_by=by,
    )
    return replace(
        a,
        state="published",
        lines=tuple(result),
        published_at=now,
        published_by=by,
        revision=a.revision + 1,
        events=(*a.events, event),
    )


# --- yearly selections (优秀建议, 优秀代表) --------------------------------------------------------------

KINDS: tuple[SelectionKind, ...] = get_args(SelectionKind)
USUAL_SHARE: dict[SelectionKind, float] = {"excellent_suggestions": 0.10, "excellent_deputies": 0.06}
SHARE_LOW, SHARE_HIGH = 0.5, 1.5  # a share outside usual × [0.5, 1.5] is warned about
CANDIDATES_MAX = 5000
ID_MAX = 100
POPULATION_MAX = 1_000_000
SCORE_LIMIT = 1_000_000.0


@dataclass(frozen=True)
class Candidate:
    """A scored candidate: a suggestion (its id and title) or a deputy (id and name)."""

    id: str
    label: str
    score: float
    note: str = ""


@dataclass(frozen=True)
class SelectionWarning:
    """Something staff should look at; it never stops them."""

    code: str
    message: str
    details: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Selection:
    """A year's selection of one kind: the candidates and the chosen."""

    id: str
    congress_id: str
    kind: SelectionKind
    year: int
    candidates: tuple[Candidate, ...]
    population: int | None
    created_at: datetime
    created_by: str
    chosen: tuple[str, ...] = ()
    state: Literal["draft", "published"] = "draft"
    chosen_at: datetime | None = None
    chosen_by: str = ""
    published_at: datetime | None = None
    published_by: str = ""
    revision: int = 1
    events: tuple[EventData, ...] = ()

    @property
    def published(self) -> bool:
        return self.state == "published"

    @property
    def usual_share(self) -> float:
        return USUAL_SHARE[self.kind]

    @property
    def share(self) -> float | None:
        """The chosen over the population, when staff gave it."""
        return rate(len(self.chosen), self.population) if self.population else None

    def candidate(self, candidate_id: str) -> Candidate | None:
        return next((c for c in self.candidates if c.id == candidate_id), None)

    def chosen_candidates(self) -> list[Candidate]:
        """The chosen, highest score first (then by id)."""
        ids = set(self.chosen)
        return sorted((c for c in self.candidates if c.id in ids), key=lambda c: (-c.score, c.id))


def _candidates(items: Iterable[Candidate]) -> tuple[Candidate, ...]:
    out: list[Candidate] = []
    seen: set[str] = set()
    repeated: list[str] = []
    for c in items:
        cid = c.id.strip()
        label = " ".join(c.label.split())
        if not cid or len(cid) > ID_MAX:
            raise Invalid("selection.candidate_invalid", f"A candidate's id is 1 to {ID_MAX} characters.", id=c.id)
        if len(label) > LABEL_MAX:
            raise Invalid("selection.candidate_invalid", f"A label is at most {LABEL_MAX} characters.", id=cid)
        if not _finite(c.score) or abs(c.score) > SCORE_LIMIT:
            raise Invalid("selection.candidate_invalid", "A score is a finite number.", id=cid)
        if cid in seen:
            repeated.append(cid)
        seen.add(cid)
        out.append(
            Candidate(id=cid, label=label, score=float(c.score), note=_note(c.note, code="selection.note_too_long"))
        )
    if repeated:
        raise Invalid("selection.candidate_repeated", "Each candidate is listed once.", ids=sorted(set(repeated))[:100])
    if not out:
        raise Invalid("selection.candidates_required", "List at least one candidate.")
    if len(out) > CANDIDATES_MAX:
        raise Invalid("selection.too_many_candidates", f"At most {CANDIDATES_MAX} candidates.", limit=CANDIDATES_MAX)
    return tuple(out)


def new_selection(
    congress_id: str,
    *,
    kind: SelectionKind,
    year: int,
    candidates: Iterable[Candidate],
    population: int | None,
    by: str,
    now: datetime,
    selection_id: str | None = None,
) -> Selection:
    """Staff open a year's selection with its scored candidates (and, optionally, the population they come from)."""
    if kind not in KINDS:
        raise Invalid("selection.kind_invalid", "A selection is of excellent_suggestions or excellent_deputies.")
    listed = _candidates(candidates)
    if population is not None and not len(listed) <= population <= POPULATION_MAX:
        raise Invalid(
            "selection.population_invalid",
            f"The population counts at least the candidates and at most {POPULATION_MAX}.",
            candidates=len(listed),
        )
    return Selection(
        id=selection_id or uuid.uuid4().hex,
        congress_id=congress_id,
        kind=kind,
        year=year,
        candidates=listed,
        population=population,
        created_at=now,
        created_by=by,
    )


def same_listing(s: Selection, candidates: Iterable[Candidate], population: int | None) -> bool:
    """Whether a listing as given (before tidying) is the selection's own."""
    try:
        listed = _candidates(candidates)
    except Invalid:
        return False
    return (listed, population) == (s.candidates, s.population)


def choose(s: Selection, ids: Iterable[str], *, by: str, now: datetime) -> Selection:
    """Staff mark the chosen (replacing the earlier choice); draft only, candidates only."""
    if s.published:
        raise Conflict("selection.published", "The selection is published; it no longer changes.")
    wanted = list(dict.fromkeys(i.strip() for i in ids))
    unknown = [i for i in wanted if s.candidate(i) is None]
    if unknown:
        raise Invalid("selection.unknown_candidate", "Only candidates can be chosen.", ids=unknown[:100])
    order = {c.id: n for n, c in enumerate(s.candidates)}
    chosen = tuple(sorted(wanted, key=lambda i: order[i]))
    if chosen == s.chosen:
        return s
    return replace(s, chosen=chosen, chosen_at=now, chosen_by=by, revision=s.revision + 1)


def warnings(s: Selection) -> list[SelectionWarning]:
    """What staff should look at before (or after) publishing: the share, passed-over higher scores."""
    out: list[SelectionWarning] = []
    share = s.share
    if s.chosen and share is not None:
        usual = s.usual_share
        details = {"share": share, "usual_share": usual, "chosen": len(s.chosen), "population": s.population}
        if share < usual * SHARE_LOW:
            out.append(
                SelectionWarning("selection.share_low", f"{share:.1%} chosen; usually about {usual:.0%}.", details)
            )
        elif share > usual * SHARE_HIGH:
            out.append(
                SelectionWarning("selection.share_high", f"{share:.1%} chosen; usually about {usual:.0%}.", details)
            )
    chosen = s.chosen_candidates()
    if chosen:
        lowest = min(c.score for c in chosen)
        passed = sorted(
            (c for c in s.candidates if c.id not in set(s.chosen) and c.score > lowest), key=lambda c: (-c.score, c.id)
        )
        if passed:
            out.append(
                SelectionWarning(
                    "selection.higher_score_passed_over",
                    "Candidates with higher scores than some chosen are not chosen.",
                    {"ids": [c.id for c in passed[:100]], "count": len(passed)},
                )
            )
    return out


def publish_selection(s: Selection, *, by: str, now: datetime) -> Selection:
    """Staff publish the chosen as final; announced once (publishing again changes nothing)."""
    if s.published:
        return s
    if not s.chosen:
        raise Conflict("selection.nothing_chosen", "Mark the chosen before publishing.")
    event = SelectionPublished(
        selection_id=s.id,
        congress_id=s.congress_id,
        kind=s.kind,
        year=s.year,
        chosen=[SelectedItem(id=c.id, label=c.label, score=c.score, note=c.note) for c in s.chosen_candidates()],
        candidates=len(s.candidates),
        population=s.population,
        share=s.share,
        usual_share=s.usual_share,
        published_at=now,
        published_by=by,
    )
    return replace(
        s, state="published", published_at=now, published_by=by, revision=s.revision + 1, events=(*s.events, event)
    )


__all__ = [
    "DEFAULT_MAXIMA",
    "FROM_FIGURES",
    "KINDS",
    "PARTS",
    "USUAL_SHARE",
    "Assessment",
    "Candidate",
    "CaseRecord",
    "Grade",
    "Line",
    "Part",
    "PartValue",
    "Selection",
    "SelectionWarning",
    "UnitFigures",
    "UnitScores",
    "choose",
    "grade_of",
    "line_of",
    "lines",
    "new_selection",
    "publish_assessment",
    "publish_selection",
    "ranked",
    "rate",
    "same_listing",
    "score_unit",
    "set_maxima",
    "unit_figures",
    "warnings",
]
