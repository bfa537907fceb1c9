"""Routing proposals (拟办): which unit should lead a case, which should co-handle it, and why. No I/O here.

Staff pre-assign (预交办) a registered case to a lead unit (主办) and co-units (协办) from its content
and the units' duties (部门职责). `Router` proposes them from two sources:

- **Duties.** The case's terms (`shared.similarity.term_counts`: title counted three times) against
  each unit's 三定 duties, keywords, aliases and name, by TF-IDF cosine
  (`shared.similarity.SimilarityIndex` over the units). Words every 三定 text uses (负责, 拟订,
  组织实施 …) are left out on both sides. The reason names the terms that matched.
- **Past decisions.** Every decision staff made (`Router.record`) goes into a second index. The
  `neighbours` past cases most similar to the new one vote for the unit that led them, each with
  the square of its similarity; the share of the decisions in the case's field that each unit led
  adds a small prior. The reason cites the similar past case and its similarity.

The duties act as a prior worth `duty_weight` votes, which past decisions then update:

    mass(u)  = duty_weight · duty(u) + field_weight · g · field(u) + Σ similarity(c)² over past cases c led by u
    score(u) = mass(u) / Σ mass

where duty(u) is the unit's share of the (squared, relative) duty similarities, field(u) the unit's
share of the decisions recorded in the case's field and g = n / (n + half_weight_at) for n recorded
decisions. A new router ranks by duties alone; each similar decision staff record adds its weight,
so the more they assign (and the closer the past cases), the more their decisions count. A past
case at similarity 0.45 weighs as much as all the duties together (0.45² ≈ 0.2).

Co-units of the first proposal: units that similar past cases named as co-units (or led, when
another unit leads now), weighted by similarity; units the suggestion itself names by name or alias
("建议住建部门会同公安交警……"); and units whose duties match nearly as strongly as the lead's.

Ties are broken by unit id everywhere; the result depends only on the units, the recorded
decisions (not the order they came in) and the case.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from shared.similarity import SimilarityIndex, term_counts

# Words of the 三定 genre (every unit "负责", "拟订", "组织实施", "监督管理" something): they match
# any case to any unit and would only blur the duty scores. Dropped from units and cases alike.
DUTY_BOILERPLATE: frozenset[str] = frozenset(
    {
        "负责",
        "拟订",
        "组织",
        "实施",
        "组织实施",
        "承担",
        "指导",
        "监督",
        "管理",
        "监督管理",
        "贯彻",
        "执行",
        "贯彻执行",
        "贯彻落实",
        "落实",
        "政策",
        "法律法规",
        "规章",
        "制度",
        "职责",
        "主要",
        "全市",
        "本市",
        "市委",
        "市政府",
        "交办",
        "其他",
        "任务",
        "完成",
        "协调",
        "参与",
        "推进",
        "推动",
        "加强",
        "统筹",
        "有关",
        "依法",
        "规定",
        "工作",
        "部门",
        "单位",
        "机构",
        "建设",
        "发展",
        "服务",
    }
)

DUTY_TERMS_SHOWN = 6
PAST_CASES_SHOWN = 2
# Co-unit score of a unit the suggestion names ("建议住建部门会同公安交警……"): staff rarely leave it out.
NAMED_CO_UNIT_SCORE = 0.6


class UnitKind(StrEnum):
    """The system a handling unit (承办单位) belongs to (一府一委两院 and the rest)."""

    GOVERNMENT_DEPARTMENT = "government_department"
    PARTY_MASS_ORGANISATION = "party_mass_organisation"
    COURT = "court"
    PROCURATORATE = "procuratorate"
    SUPERVISORY_COMMISSION = "supervisory_commission"
    VERTICALLY_MANAGED = "vertically_managed"


@dataclass(frozen=True)
class UnitProfile:
    """A handling unit as routing sees it: its 三定 duties and the words that point to it."""

    id: str
    name: str
    kind: UnitKind
    duties: str
    keywords: tuple[str, ...] = ()
    # What deputies call the unit in a suggestion's text (教育部门, 公安交警, 检察机关).
    aliases: tuple[str, ...] = ()
    # Who co-ordinates the unit during pre-assignment and takes its objections (e.g. 市政府督查室).
    coordinator: str = ""


@dataclass(frozen=True)
class PastDecision:
    """What staff decided for a case: its lead unit (主办) and co-units (协办)."""

    case_id: str
    title: str
    body: str
    lead_unit_id: str
    co_unit_ids: tuple[str, ...] = ()
    field: str = ""


@dataclass(frozen=True)
class Reason:
    """Why a unit is proposed.

    kind "duty": `terms` are the case's terms that match the unit's duties (heaviest first) and
    `similarity` the cosine of case and duties. kind "past_case": the similar past case
    (`case_id`, `case_title`) that staff gave this unit (to lead it, or to co-handle it for a
    co-unit), and its `similarity` to this case. kind "named": the suggestion itself names the unit
    (`terms`: the words it uses, e.g. "公安交警"); `similarity` is 1.
    """

    kind: Literal["duty", "past_case", "named"]
    similarity: float
    terms: tuple[str, ...] = ()
    case_id: str | None = None
    case_title: str | None = None


@dataclass(frozen=True)
class Proposal:
    """A unit proposed to lead (主办) the case.

    `score` is the unit's share (0..1) of the evidence; scores of all units add up to 1, and
    `duty_score + past_case_score + field_score == score` (up to rounding).
    """

    unit_id: str
    unit_name: str
    score: float
    reasons: tuple[Reason, ...]
    role: Literal["lead"] = "lead"
    duty_score: float = 0.0
    past_case_score: float = 0.0
    field_score: float = 0.0


@dataclass(frozen=True)
class CoUnitSuggestion:
    """A unit proposed to co-handle (协办) the case with the first proposal's unit; `score` in 0..1."""

    unit_id: str
    unit_name: str
    score: float
    reasons: tuple[Reason, ...]
    role: Literal["co"] = "co"


@dataclass(frozen=True)
class RoutingResult:
    """Lead proposals best first, co-units for the first, and how much each source weighed."""

    proposals: tuple[Proposal, ...]
    co_units: tuple[CoUnitSuggestion, ...]
    # Recorded decisions the proposal could draw on, and each source's share of the total mass (they add up to 1).
    decisions: int
    duty_weight: float
    past_case_weight: float
    field_weight: float

    @property
    def lead(self) -> Proposal | None:
        """The first proposal, if any."""
        return self.proposals[0] if self.proposals else None


def _strip(counts: dict[str, int]) -> dict[str, int]:
    return {term: n for term, n in counts.items() if term not in DUTY_BOILERPLATE}


def unit_counts(unit: UnitProfile) -> dict[str, int]:
    """The terms of a unit's profile: name, aliases and keywords weigh as a title, the duties as a body."""
    return _strip(term_counts(" ".join((unit.name, *unit.aliases, *unit.keywords)), unit.duties))


@dataclass(frozen=True)
class _Neighbour:
    decision: PastDecision
    similarity: float


class Router:
    """Ranks the units most likely to lead a case, from duties and from staff's past decisions.

    Not thread-safe (the indexes are not); use one router per task or a lock.
    """

    def __init__(
        self,
        units: Iterable[UnitProfile],
        *,
        neighbours: int = 10,
        min_case_similarity: float = 0.1,
        duty_weight: float = 0.2,
        duty_sharpness: float = 2.0,
        vote_power: float = 2.0,
        field_weight: float = 0.1,
        half_weight_at: int = 30,
        co_unit_min: float = 0.3,
        co_unit_duty_ratio: float = 0.8,
    ) -> None:
        profiles = list(units)
        if not profiles:
            raise ValueError("a router needs at least one unit profile; none were given")
        self._units: dict[str, UnitProfile] = {}
        for unit in profiles:
            if not unit.id or not unit.name:
                raise ValueError(f"unit profile without id or name: {unit!r}")
            if unit.id in self._units:
                raise ValueError(f"unit id {unit.id!r} given twice")
            self._units[unit.id] = unit
        if neighbours < 1:
            raise ValueError("neighbours must be at least 1")
        if half_weight_at < 1:
            raise ValueError("half_weight_at must be at least 1")
        if duty_weight <= 0.0 or field_weight < 0.0:
            raise ValueError("duty_weight must be positive and field_weight not negative")
        self._k = neighbours
        self._min_case_similarity = min_case_similarity
        self._duty_weight = duty_weight
        self._sharpness = duty_sharpness
        self._vote_power = vote_power
        self._field_weight = field_weight
        self._half_weight_at = half_weight_at
        self._co_min = co_unit_min
        self._co_duty_ratio = co_unit_duty_ratio

        self._duties = SimilarityIndex()
        for unit_id in sorted(self._units):
            counts = unit_counts(self._units[unit_id])
            if not counts:
                raise ValueError(f"unit {unit_id!r} has no duty terms to match")
            self._duties.upsert(unit_id, counts)
        self._duties.refresh()

        self._cases = SimilarityIndex()
        self._decisions: dict[str, PastDecision] = {}
        self._field_leads: dict[str, Counter[str]] = defaultdict(Counter)

    @property
    def units(self) -> list[UnitProfile]:
        """The unit profiles, by id."""
        return [self._units[unit_id] for unit_id in sorted(self._units)]

    def unit(self, unit_id: str) -> UnitProfile:
        """One unit's profile; KeyError if unknown."""
        return self._units[unit_id]

    @property
    def decisions(self) -> int:
        """How many past decisions are recorded."""
        return len(self._decisions)

    def record(self, decision: PastDecision) -> None:
        """Learn from what staff decided for a case; a later decision for the same case replaces it (改办)."""
        if not decision.case_id:
            raise ValueError("a past decision needs a case id")
        unknown = sorted({decision.lead_unit_id, *decision.co_unit_ids} - self._units.keys())
        if unknown:
            raise ValueError(f"past decision {decision.case_id!r} names unknown units: {', '.join(unknown)}")
        if decision.lead_unit_id in decision.co_unit_ids:
            raise ValueError(f"past decision {decision.case_id!r} names its lead unit as a co-unit")
        counts = _strip(term_counts(decision.title, decision.body))
        self.forget(decision.case_id)
        self._decisions[decision.case_id] = decision
        if counts:
            self._cases.upsert(decision.case_id, counts)
        self._field_leads[decision.field][decision.lead_unit_id] += 1

    def forget(self, case_id: str) -> None:
        """Drop a recorded decision; nothing happens if there is none."""
        old = self._decisions.pop(case_id, None)
        if old is None:
            return
        self._cases.remove(case_id)
        leads = self._field_leads[old.field]
        leads[old.lead_unit_id] -= 1
        if leads[old.lead_unit_id] <= 0:
            del leads[old.lead_unit_id]
        if not leads:
            del self._field_leads[old.field]

    def propose(
        self,
        title: str,
        body: str,
        field: str = "",
        *,
        top: int = 3,
        case_id: str | None = None,
        co_units_max: int = 3,
    ) -> RoutingResult:
        """The `top` units best placed to lead the case, best first, and co-units for the first.

        `case_id`, if given, keeps that case's own recorded decision out of the past cases.
        Units with no signal at all (no duty term, no similar case, nothing in the field) are not proposed.
        """
        if top < 1:
            raise ValueError("top must be at least 1")
        if co_units_max < 0:
            raise ValueError("co_units_max must not be negative")
        counts = _strip(term_counts(title, body))

        duty_matches = self._duties.most_similar(counts, limit=len(self._units), min_score=0.0) if counts else []
        duty_sim = {m.suggestion_id: m.score for m in duty_matches}
        duty_terms = {m.suggestion_id: tuple(m.shared_terms[:DUTY_TERMS_SHOWN]) for m in duty_matches}
        best_duty = max(duty_sim.values(), default=0.0)
        duty_rel = {u: (s / best_duty) ** self._sharpness for u, s in duty_sim.items() if s > 0} if best_duty else {}
        rel_total = sum(duty_rel.values())
        duty_share = {u: r / rel_total for u, r in duty_rel.items()}

        excluded = (case_id,) if case_id else ()
        neighbours = [
            _Neighbour(self._decisions[m.suggestion_id], m.score)
            for m in (
                self._cases.most_similar(counts, limit=self._k, exclude=excluded, min_score=self._min_case_similarity)
                if counts
                else []
            )
        ]
        votes: dict[str, float] = defaultdict(float)
        for n in neighbours:
            votes[n.decision.lead_unit_id] += n.similarity**self._vote_power

        field_leads = self._field_leads.get(field, Counter()) if field else Counter()
        own = self._decisions.get(case_id) if case_id else None
        if own is not None and own.field == field:
            field_leads = field_leads.copy()
            field_leads[own.lead_unit_id] -= 1
        field_total = sum(n for n in field_leads.values() if n > 0)
        field_share = {u: n / field_total for u, n in field_leads.items() if n > 0} if field_total else {}

        history = len(self._decisions) - (1 if own is not None else 0)
        duty_mass = self._duty_weight if duty_share else 0.0
        field_mass = self._field_weight * history / (history + self._half_weight_at) if field_share else 0.0
        vote_mass = sum(votes.values())
        total = duty_mass + field_mass + vote_mass

        scored: list[tuple[float, str]] = []
        parts: dict[str, tuple[float, float, float]] = {}
        if total > 0.0:
            for unit_id in sorted(duty_share.keys() | votes.keys() | field_share.keys()):
                part = (
                    duty_mass * duty_share.get(unit_id, 0.0) / total,
                    votes.get(unit_id, 0.0) / total,
                    field_mass * field_share.get(unit_id, 0.0) / total,
                )
                score = sum(part)
                if score > 0.0:
                    parts[unit_id] = part
                    scored.append((score, unit_id))
        scored.sort(key=lambda item: (-item[0], item[1]))

        named = self._named(f"{title}\n{body}")
        proposals = tuple(
            Proposal(
                unit_id=unit_id,
                unit_name=self._units[unit_id].name,
                score=round(score, 4),
                reasons=self._reasons(unit_id, duty_sim, duty_terms, neighbours, named, led=True),
                duty_score=round(parts[unit_id][0], 4),
                past_case_score=round(parts[unit_id][1], 4),
                field_score=round(parts[unit_id][2], 4),
            )
            for score, unit_id in scored[:top]
        )
        co_units = (
            self._co_units(proposals[0].unit_id, duty_rel, duty_sim, duty_terms, neighbours, named, co_units_max)
            if proposals and co_units_max
            else ()
        )
        return RoutingResult(
            proposals=proposals,
            co_units=co_units,
            decisions=history,
            duty_weight=round(duty_mass / total, 4) if total else 0.0,
            past_case_weight=round(vote_mass / total, 4) if total else 0.0,
            field_weight=round(field_mass / total, 4) if total else 0.0,
        )

    def _named(self, text: str) -> dict[str, tuple[str, ...]]:
        """The units the text names, with the words it names them by (longest first, none inside another)."""
        named: dict[str, tuple[str, ...]] = {}
        for unit_id in sorted(self._units):
            unit = self._units[unit_id]
            found = sorted({a for a in (unit.name, *unit.aliases) if a and a in text}, key=lambda a: (-len(a), a))
            kept = [a for i, a in enumerate(found) if not any(a in longer for longer in found[:i])]
            if kept:
                named[unit_id] = tuple(kept)
        return named

    def _reasons(
        self,
        unit_id: str,
        duty_sim: dict[str, float],
        duty_terms: dict[str, tuple[str, ...]],
        neighbours: Sequence[_Neighbour],
        named: dict[str, tuple[str, ...]],
        *,
        led: bool,
    ) -> tuple[Reason, ...]:
        reasons: list[Reason] = []
        if unit_id in named:
            reasons.append(Reason(kind="named", similarity=1.0, terms=named[unit_id]))
        if duty_terms.get(unit_id):
            reasons.append(Reason(kind="duty", similarity=duty_sim[unit_id], terms=duty_terms[unit_id]))
        cited = [
            n
            for n in neighbours
            if (n.decision.lead_unit_id == unit_id if led else unit_id in self._co_roles(n.decision))
        ]
        for n in cited[:PAST_CASES_SHOWN]:
            reasons.append(
                Reason(
                    kind="past_case",
                    similarity=n.similarity,
                    case_id=n.decision.case_id,
                    case_title=n.decision.title,
                )
            )
        return tuple(reasons)

    @staticmethod
    def _co_roles(decision: PastDecision) -> set[str]:
        # A unit that led a similar case is a natural co-unit when another unit leads this one.
        return {decision.lead_unit_id, *decision.co_unit_ids}

    def _co_units(
        self,
        lead_id: str,
        duty_rel: dict[str, float],
        duty_sim: dict[str, float],
        duty_terms: dict[str, tuple[str, ...]],
        neighbours: Sequence[_Neighbour],
        named: dict[str, tuple[str, ...]],
        limit: int,
    ) -> tuple[CoUnitSuggestion, ...]:
        # Share of the similar cases (by similarity) that named the unit as a co-unit (or led with it).
        total = sum(n.similarity for n in neighbours)
        from_past: dict[str, float] = defaultdict(float)
        for n in neighbours:
            for unit_id in self._co_roles(n.decision) - {lead_id}:
                from_past[unit_id] += n.similarity / total
        # Units whose duties match nearly as well as the lead's (relative to the best unit's duties).
        lead_rel = duty_rel.get(lead_id, 0.0)
        from_duty = {
            unit_id: rel
            for unit_id, rel in duty_rel.items()
            if unit_id != lead_id and rel >= self._co_duty_ratio * max(lead_rel, 1e-9) and rel > 0.0
        }
        # Units the suggestion itself names.
        from_text = {unit_id: NAMED_CO_UNIT_SCORE for unit_id in named if unit_id != lead_id}
        candidates: list[tuple[float, str]] = []
        for unit_id in sorted(from_past.keys() | from_duty.keys() | from_text.keys()):
            score = max(from_past.get(unit_id, 0.0), 0.5 * from_duty.get(unit_id, 0.0), from_text.get(unit_id, 0.0))
            if score >= self._co_min:
                candidates.append((score, unit_id))
        candidates.sort(key=lambda item: (-item[0], item[1]))
        return tuple(
            CoUnitSuggestion(
                unit_id=unit_id,
                unit_name=self._units[unit_id].name,
                score=round(min(1.0, score), 4),
                reasons=self._reasons(unit_id, duty_sim, duty_terms, neighbours, named, led=False),
            )
            for score, unit_id in candidates[:limit]
        )
