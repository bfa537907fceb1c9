"""Request and response bodies of assignment's case routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.assignment.domain import (
    Case,
    CaseStatus,
    Meeting,
    Objection,
    Round,
    TaskState,
    UnitTask,
)
from services.assignment.policy import ComputedDeadlines, Policy, ReassignmentDeadline
from services.assignment.routing import CoUnitSuggestion, Proposal, Reason, RoutingResult
from shared.contracts.assignment import Deadlines, LeaderRef, UnitRef
from shared.contracts.intake import DeputyRef
from shared.errors import DomainError

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_.:-]+$")]


class Strict(BaseModel):
    """Request bodies refuse unknown fields (a typo is an error, not a silent default)."""

    model_config = ConfigDict(extra="forbid")


# --- requests ---------------------------------------------------------------------------------


class PreAssign(Strict):
    """Staff confirm a lead unit and co-units (预交办)."""

    lead_unit_id: Id
    co_unit_ids: list[Id] = Field(default_factory=list, max_length=10)
    complex: bool = False


class PreAssignItem(PreAssign):
    case_id: Id


class PreAssignBatch(Strict):
    items: list[PreAssignItem] = Field(min_length=1)


class ObjectionIn(Strict):
    """A unit objects, with a reason and maybe the unit it thinks should handle the case."""

    reason: str = Field(max_length=1000)
    suggested_unit_id: Id | None = None


class MeetingIn(Strict):
    """A negotiation meeting: when, who took part, what was said."""

    held_at: datetime
    participants: list[Annotated[str, StringConstraints(max_length=100)]] = Field(max_length=100)
    minutes: str = Field(max_length=20_000)


class DecisionIn(Strict):
    """The units from now on; `chair_meeting` when the chair meeting decided (final)."""

    lead_unit_id: Id
    co_unit_ids: list[Id] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=2000)
    chair_meeting: MeetingIn | None = None


class AssignIn(Strict):
    """Formal assignment; `complex` overrides the mark given at pre-assignment."""

    complex: bool | None = None


class AssignBatch(Strict):
    """集中交办: many cases at once; `complex_case_ids` are assigned with the longer period."""

    case_ids: list[Id] = Field(min_length=1)
    complex_case_ids: list[Id] = Field(default_factory=list)
    batch_id: Id | None = None


class ReassignIn(Strict):
    lead_unit_id: Id
    co_unit_ids: list[Id] = Field(default_factory=list, max_length=10)
    reason: str = Field(max_length=1000)


class LeaderIn(Strict):
    """The leader who takes the case (领办); a leader may omit it to take the case themself."""

    leader_id: Id | None = None
    name: str = Field(default="", max_length=50)
    title: str = Field(default="", max_length=50)


class ProposalsIn(Strict):
    case_ids: list[Id] = Field(min_length=1)
    top: int = Field(default=3, ge=1, le=10)


class PolicyIn(Strict):
    """A congress's assignment rules."""

    objection_window_working_days: int = Field(default=5, ge=1, le=30)
    reply_months: int = Field(default=3, ge=1, le=12)
    complex_reply_months: int = Field(default=6, ge=1, le=12)
    co_opinion_months_earlier: int = Field(default=1, ge=0, le=11)
    max_negotiation_rounds: int = Field(default=2, ge=1, le=10)
    deadline_to_working_day: bool = True
    reassignment_deadline: ReassignmentDeadline = ReassignmentDeadline.RESTART
    extra_holidays: list[date] = Field(default_factory=list, max_length=400)
    extra_workdays: list[date] = Field(default_factory=list, max_length=400)


# --- responses --------------------------------------------------------------------------------


class PolicyPublic(PolicyIn):
    model_config = ConfigDict(extra="ignore")

    congress_id: str
    updated_at: datetime | None
    updated_by: str

    @classmethod
    def of(cls, congress_id: str, p: Policy, updated_at: datetime | None, updated_by: str) -> PolicyPublic:
        return cls(
            congress_id=congress_id,
            objection_window_working_days=p.objection_window_working_days,
            reply_months=p.reply_months,
            complex_reply_months=p.complex_reply_months,
            co_opinion_months_earlier=p.co_opinion_months_earlier,
            max_negotiation_rounds=p.max_negotiation_rounds,
            deadline_to_working_day=p.deadline_to_working_day,
            reassignment_deadline=p.reassignment_deadline,
            extra_holidays=list(p.extra_holidays),
            extra_workdays=list(p.extra_workdays),
            updated_at=updated_at,
            updated_by=updated_by,
        )


class TaskPublic(BaseModel):
    """A unit's part in the case before formal assignment, and its answer."""

    unit_id: str
    name: str
    role: Literal["lead", "co"]
    state: TaskState
    opened_at: datetime
    window_closes_at: datetime
    round: int
    coordinator: str
    answered_at: datetime | None
    answered_by: str
    reason: str
    suggested_unit_id: str | None

    @classmethod
    def of(cls, t: UnitTask) -> TaskPublic:
        return cls(
            unit_id=t.unit_id,
            name=t.name,
            role=t.role,
            state=t.state,
            opened_at=t.opened_at,
            window_closes_at=t.closes_at,
            round=t.round,
            coordinator=t.coordinator,
            answered_at=t.answered_at,
            answered_by=t.answered_by,
            reason=t.reason,
            suggested_unit_id=t.suggested_unit_id,
        )


class ObjectionPublic(BaseModel):
    unit_id: str
    name: str
    role: str
    reason: str
    suggested_unit_id: str | None
    at: datetime
    by: str

    @classmethod
    def of(cls, o: Objection) -> ObjectionPublic:
        return cls(**vars(o))


class MeetingPublic(BaseModel):
    id: str
    kind: Literal["negotiation", "chair"]
    held_at: datetime
    participants: list[str]
    minutes: str
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, m: Meeting) -> MeetingPublic:
        return cls(**{**vars(m), "participants": list(m.participants)})


class DecisionPublic(BaseModel):
    lead_unit_id: str
    co_unit_ids: list[str]
    note: str
    by_chair: bool
    at: datetime
    by: str
    released: list[str]


class RoundPublic(BaseModel):
    number: int
    opened_at: datetime
    open: bool
    objections: list[ObjectionPublic]
    meetings: list[MeetingPublic]
    decision: DecisionPublic | None

    @classmethod
    def of(cls, r: Round) -> RoundPublic:
        return cls(
            number=r.number,
            opened_at=r.opened_at,
            open=r.open,
            objections=[ObjectionPublic.of(o) for o in r.objections],
            meetings=[MeetingPublic.of(m) for m in r.meetings],
            decision=(
                DecisionPublic(
                    **{
                        **vars(r.decision),
                        "co_unit_ids": list(r.decision.co_unit_ids),
                        "released": list(r.decision.released),
                    }
                )
                if r.decision
                else None
            ),
        )


class AssignmentPublic(BaseModel):
    lead_unit: UnitRef
    co_units: list[UnitRef]
    assigned_at: datetime
    assigned_by: str
    deadlines: Deadlines
    calendar_covered: bool
    batch_id: str | None


class ReassignmentPublic(BaseModel):
    at: datetime
    by: str
    reason: str
    previous_lead_unit: UnitRef
    previous_co_units: list[UnitRef]
    lead_unit: UnitRef
    co_units: list[UnitRef]
    deadlines_restarted: bool


class LeaderPublic(BaseModel):
    leader: LeaderRef
    at: datetime
    by: str


class CasePublic(BaseModel):
    """A case as staff and leaders see it: its whole assignment story."""

    id: str
    congress_id: str
    number: str
    title: str
    field: str
    session: str
    lead_deputy: DeputyRef
    co_signers: list[DeputyRef]
    confidential: bool
    status: CaseStatus
    complex: bool
    registered_at: datetime
    received_at: datetime
    pre_assigned_at: datetime | None
    pre_assigned_by: str
    units: list[TaskPublic]
    negotiation_rounds: list[RoundPublic]
    final: bool
    assignment: AssignmentPublic | None
    reassignments: list[ReassignmentPublic]
    leader: LeaderPublic | None
    merged_from: list[str]
    merged_into: str | None

    @classmethod
    def of(cls, c: Case) -> CasePublic:
        a = c.assignment
        return cls(
            id=c.id,
            congress_id=c.congress_id,
            number=c.number,
            title=c.title,
            field=c.field,
            session=c.session,
            lead_deputy=c.lead_deputy,
            co_signers=list(c.co_signers),
            confidential=c.confidential,
            status=c.status,
            complex=c.complex,
            registered_at=c.registered_at,
            received_at=c.received_at,
            pre_assigned_at=c.pre_assigned_at,
            pre_assigned_by=c.pre_assigned_by,
            units=[TaskPublic.of(t) for t in c.tasks],
            negotiation_rounds=[RoundPublic.of(r) for r in c.rounds],
            final=c.final,
            assignment=(
                AssignmentPublic(
                    lead_unit=a.lead,
                    co_units=list(a.co_units),
                    assigned_at=a.assigned_at,
                    assigned_by=a.assigned_by,
                    deadlines=a.deadlines,
                    calendar_covered=a.calendar_covered,
                    batch_id=a.batch_id,
                )
                if a
                else None
            ),
            reassignments=[
                ReassignmentPublic(
                    at=r.at,
                    by=r.by,
                    reason=r.reason,
                    previous_lead_unit=r.previous_lead,
                    previous_co_units=list(r.previous_co_units),
                    lead_unit=r.lead,
                    co_units=list(r.co_units),
                    deadlines_restarted=r.deadlines_restarted,
                )
                for r in c.reassignments
            ],
            leader=LeaderPublic(leader=c.leader.leader, at=c.leader.at, by=c.leader.by) if c.leader else None,
            merged_from=list(c.merged_from),
            merged_into=c.merged_into,
        )


class CasesPublic(BaseModel):
    data: list[CasePublic]
    count: int


class UnitCaseView(BaseModel):
    """A case as one of its units sees it: the facts, the units on it, and its own part (not the others' answers)."""

    id: str
    number: str
    title: str
    body: str
    field: str
    lead_deputy: DeputyRef
    co_signers: list[DeputyRef]
    status: CaseStatus
    complex: bool
    units: list[UnitRef]
    mine: TaskPublic | None
    assignment: AssignmentPublic | None
    leader: LeaderRef | None

    @classmethod
    def of(cls, c: Case, unit_id: str) -> UnitCaseView:
        a = c.assignment
        units = [a.lead, *a.co_units] if a else [t.ref() for t in c.tasks]
        task = c.task(unit_id)
        return cls(
            id=c.id,
            number=c.number,
            title=c.title,
            body=c.body,
            field=c.field,
            lead_deputy=c.lead_deputy,
            co_signers=list(c.co_signers),
            status=c.status,
            complex=c.complex,
            units=units,
            mine=TaskPublic.of(task) if task and a is None else None,
            assignment=(
                AssignmentPublic(
                    lead_unit=a.lead,
                    co_units=list(a.co_units),
                    assigned_at=a.assigned_at,
                    assigned_by=a.assigned_by,
                    deadlines=a.deadlines,
                    calendar_covered=a.calendar_covered,
                    batch_id=a.batch_id,
                )
                if a
                else None
            ),
            leader=c.leader.leader if c.leader else None,
        )


class UnitCasesPublic(BaseModel):
    data: list[UnitCaseView]
    count: int


class ReasonPublic(BaseModel):
    kind: Literal["duty", "past_case", "named"]
    similarity: float
    terms: list[str]
    case_id: str | None
    case_title: str | None

    @classmethod
    def of(cls, r: Reason) -> ReasonPublic:
        return cls(
            kind=r.kind,
            similarity=round(r.similarity, 4),
            terms=list(r.terms),
            case_id=r.case_id,
            case_title=r.case_title,
        )


class CandidatePublic(BaseModel):
    unit_id: str
    unit_name: str
    score: float
    reasons: list[ReasonPublic]

    @classmethod
    def of(cls, p: Proposal | CoUnitSuggestion) -> CandidatePublic:
        return cls(
            unit_id=p.unit_id,
            unit_name=p.unit_name,
            score=round(p.score, 4),
            reasons=[ReasonPublic.of(r) for r in p.reasons],
        )


class ProposalPublic(BaseModel):
    """Units proposed to lead the case (best first) and co-units for the first, with the reasons."""

    case_id: str
    leads: list[CandidatePublic]
    co_units: list[CandidatePublic]
    past_decisions: int  # staff decisions the proposal could draw on

    @classmethod
    def of(cls, case_id: str, r: RoutingResult) -> ProposalPublic:
        return cls(
            case_id=case_id,
            leads=[CandidatePublic.of(p) for p in r.proposals],
            co_units=[CandidatePublic.of(c) for c in r.co_units],
            past_decisions=r.decisions,
        )


class ProposalsPublic(BaseModel):
    data: list[ProposalPublic]


class BatchItemResult(BaseModel):
    case_id: str
    outcome: Literal["done", "already", "failed"]
    code: str | None = None
    message: str | None = None


class BatchResult(BaseModel):
    """What a batch did, case by case; `done` + `already` + `failed` = the cases asked for."""

    batch_id: str | None = None
    done: int
    already: int
    failed: int
    items: list[BatchItemResult]

    @classmethod
    def of(cls, batch_id: str | None, results: list[tuple[Case, Case | Exception]], already: list[str]) -> BatchResult:
        items = [BatchItemResult(case_id=i, outcome="already") for i in already]
        failed = 0
        for case, outcome in results:
            if isinstance(outcome, DomainError):
                failed += 1
                items.append(
                    BatchItemResult(case_id=case.id, outcome="failed", code=outcome.code, message=outcome.message)
                )
            elif isinstance(outcome, Exception):
                failed += 1
                items.append(
                    BatchItemResult(case_id=case.id, outcome="failed", code="internal.error", message=repr(outcome))
                )
            else:
                items.append(BatchItemResult(case_id=case.id, outcome="done"))
        return cls(batch_id=batch_id, done=len(results) - failed, already=len(already), failed=failed, items=items)


class ObjectionCount(BaseModel):
    unit_id: str
    name: str
    pre_assignments: int  # times the unit was asked (pre-assignment or a negotiation's fresh window)
    objections: int
    accepted: int
    deemed_accepted: int


class ObjectionCounts(BaseModel):
    year: int | None
    data: list[ObjectionCount]


class DeadlinesPreview(BaseModel):
    """The deadlines a case assigned on a date would get (for staff planning a 集中交办)."""

    assigned_on: date
    complex: bool
    reply_due_on: date
    co_opinion_due_on: date
    months: int
    calendar_covered: bool

    @classmethod
    def of(cls, on: date, d: ComputedDeadlines) -> DeadlinesPreview:
        return cls(
            assigned_on=on,
            complex=d.complex,
            reply_due_on=d.reply_due_on,
            co_opinion_due_on=d.co_opinion_due_on,
            months=d.months,
            calendar_covered=d.calendar_covered,
        )
