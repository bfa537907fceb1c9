"""A case's way through assignment (交): pre-assignment, objections, negotiation, formal assignment,
reassignment and leader-led handling. No I/O here.

    awaiting_pre_assignment ──pre_assign──▶ pre_assigned ──(every unit accepted, or silent until its
                                               │   ▲          window closed)──▶ agreed ──assign──▶ assigned
                                        object │   │ decide (fresh windows)       ▲                 │
                                               ▼   │                              │   reassign ◀────┘
                                            contested ──decide (all bound) / chair decision──┘

Every change returns a new Case with the events it causes in `events`; the store writes both in one
single-document update. Each function first `settle`s the case: a unit whose window closed while it
stayed silent has accepted at the moment the window closed, whether or not the sweep got there first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

from services.assignment.policy import ComputedDeadlines, Policy
from shared.contracts.assignment import (
    CaseAssigned,
    CaseCancelled,
    CasePreAssigned,
    CaseReassigned,
    Deadlines,
    LeaderRef,
    LeaderTookCase,
    NegotiationDecided,
    UnitAccepted,
    UnitObjected,
    UnitRef,
    UnitWindow,
)
from shared.contracts.envelope import EventData
from shared.contracts.intake import DeputyRef, SuggestionRegistered
from shared.errors import Conflict, Invalid, NotFound

MAX_CO_UNITS = 10
REASON_MAX = 1000
NOTE_MAX = 2000
MINUTES_MAX = 20_000
PARTICIPANTS_MAX = 100

Role = Literal["lead", "co"]


class CaseStatus(StrEnum):
    """Where a case stands in assignment."""

    AWAITING_PRE_ASSIGNMENT = "awaiting_pre_assignment"
    PRE_ASSIGNED = "pre_assigned"  # units are answering within their windows
    CONTESTED = "contested"  # a unit objected; a negotiation round is open
    AGREED = "agreed"  # every unit accepted (or was bound by a decision): ready for formal assignment
    ASSIGNED = "assigned"  # formally assigned, deadlines fixed
    MERGED = "merged"  # merged into another case (并案) — closed here
    WITHDRAWN = "withdrawn"
    PASSED_UP = "passed_up"  # passed up to the parent congress (转报) — closed here


OPEN_FOR_ANSWERS = (CaseStatus.PRE_ASSIGNED, CaseStatus.CONTESTED, CaseStatus.AGREED)
CLOSED = (CaseStatus.MERGED, CaseStatus.WITHDRAWN, CaseStatus.PASSED_UP)


class TaskState(StrEnum):
    """A unit's answer to its pre-assignment."""

    PENDING = "pending"  # window open, no answer yet
    ACCEPTED = "accepted"
    DEEMED_ACCEPTED = "deemed_accepted"  # silent until the window closed
    OBJECTED = "objected"
    BOUND = "bound"  # kept on the case by a negotiation decision or the chair meeting


ACCEPTING = (TaskState.ACCEPTED, TaskState.DEEMED_ACCEPTED, TaskState.BOUND)


class UnitLike(Protocol):
    """What the rules need to know of a registered unit."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def coordinator(self) -> str: ...
    @property
    def active(self) -> bool: ...


@dataclass(frozen=True)
class UnitTask:
    """One unit's part in a pre-assigned case and its answer."""

    unit_id: str
    name: str
    role: Role
    state: TaskState
    opened_at: datetime
    closes_at: datetime
    round: int = 0  # 0: the pre-assignment; n: the window negotiation round n opened
    coordinator: str = ""
    answered_at: datetime | None = None
    answered_by: str = ""
    reason: str = ""
    suggested_unit_id: str | None = None

    def ref(self) -> UnitRef:
        return UnitRef(unit_id=self.unit_id, name=self.name, role=self.role)

    def window(self) -> UnitWindow:
        return UnitWindow(unit_id=self.unit_id, name=self.name, role=self.role, window_closes_at=self.closes_at)


@dataclass(frozen=True)
class Objection:
    """A unit's objection, as its negotiation round keeps it."""

    unit_id: str
    name: str
    role: Role
    reason: str
    suggested_unit_id: str | None
    at: datetime
    by: str


@dataclass(frozen=True)
class Meeting:
    """A negotiation meeting (协商会, 改办协调会) or the chair meeting (主任会议) that decided."""

    id: str
    kind: Literal["negotiation", "chair"]
    held_at: datetime
    participants: tuple[str, ...]
    minutes: str
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class Decision:
    """How a negotiation round ended."""

    lead_unit_id: str
    co_unit_ids: tuple[str, ...]
    note: str
    by_chair: bool
    at: datetime
    by: str
    released: tuple[str, ...] = ()  # units taken off the case


@dataclass(frozen=True)
class Round:
    """A negotiation round (协商交办), numbered from 1; open until decided."""

    number: int
    opened_at: datetime
    objections: tuple[Objection, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    decision: Decision | None = None

    @property
    def open(self) -> bool:
        return self.decision is None


@dataclass(frozen=True)
class Assignment:
    """What formal assignment (or the last reassignment) fixed."""

    lead: UnitRef
    co_units: tuple[UnitRef, ...]
    assigned_at: datetime
    assigned_by: str
    deadlines: Deadlines
    calendar_covered: bool = True
    batch_id: str | None = None

    def unit_ids(self) -> list[str]:
        return [self.lead.unit_id, *(u.unit_id for u in self.co_units)]


@dataclass(frozen=True)
class Reassignment:
    """One reassignment (改办)."""

    at: datetime
    by: str
    reason: str
    previous_lead: UnitRef
    previous_co_units: tuple[UnitRef, ...]
    lead: UnitRef
    co_units: tuple[UnitRef, ...]
    deadlines_restarted: bool


@dataclass(frozen=True)
class LeaderLed:
    """A leader leading the case's handling (领导领办)."""

    leader: LeaderRef
    at: datetime
    by: str


@dataclass(frozen=True)
class Case:
    """A registered suggestion as assignment handles it."""

    id: str
    congress_id: str
    number: str
    title: str
    body: str
    field: str
    session: str
    lead_deputy: DeputyRef
    co_signers: tuple[DeputyRef, ...]
    confidential: bool
    registered_at: datetime
    received_at: datetime
    status: CaseStatus = CaseStatus.AWAITING_PRE_ASSIGNMENT
    complex: bool = False
    tasks: tuple[UnitTask, ...] = ()
    rounds: tuple[Round, ...] = ()
    final: bool = False  # the chair meeting decided: no more objections
    pre_assigned_at: datetime | None = None
    pre_assigned_by: str = ""
    assignment: Assignment | None = None
    reassignments: tuple[Reassignment, ...] = ()
    leader: LeaderLed | None = None
    merged_from: tuple[str, ...] = ()
    merged_into: str | None = None
    revision: int = 1
    events: tuple[EventData, ...] = ()
    traceparent: str = ""  # the case's trace (of its registration), which work on many cases joins case by case

    def task(self, unit_id: str) -> UnitTask | None:
        return next((t for t in self.tasks if t.unit_id == unit_id), None)

    @property
    def open_round(self) -> Round | None:
        return self.rounds[-1] if self.rounds and self.rounds[-1].open else None

    def next_due_at(self) -> datetime | None:
        """The next moment a window closes while its unit is silent (what the sweep waits for)."""
        if self.status not in (CaseStatus.PRE_ASSIGNED, CaseStatus.CONTESTED):
            return None
        due = [t.closes_at for t in self.tasks if t.state is TaskState.PENDING]
        return min(due) if due else None

    def unit_ids(self) -> list[str]:
        """Units on the case now: those asked (before formal assignment) or assigned."""
        if self.assignment is not None:
            return self.assignment.unit_ids()
        return [t.unit_id for t in self.tasks]


# --- receiving -----------------------------------------------------------------------------------


def receive_registered(event: SuggestionRegistered, now: datetime) -> Case:
    """A registered suggestion becomes a case awaiting pre-assignment (预交办)."""
    return Case(
        id=event.suggestion_id,
        congress_id=event.congress_id,
        number=event.number,
        title=event.title,
        body=event.body,
        field=event.field,
        session=event.session,
        lead_deputy=event.lead_deputy,
        co_signers=tuple(event.co_signers),
        confidential=event.confidential,
        registered_at=event.registered_at,
        received_at=now,
    )


def facts(case: Case) -> dict[str, object]:
    """The facts every case event carries."""
    return {
        "case_id": case.id,
        "congress_id": case.congress_id,
        "number": case.number,
        "title": case.title,
        "field": case.field,
        "session": case.session,
        "lead_deputy": case.lead_deputy,
        "co_signers": list(case.co_signers),
        "confidential": case.confidential,
    }


# --- the units a decision names ----------------------------------------------------------------


def unit_set(
    lead_unit_id: str, co_unit_ids: Iterable[str], units: Mapping[str, UnitLike]
) -> list[tuple[UnitLike, Role]]:
    """Validate a lead and co-units against the registry: known, active, each once."""
    co = list(co_unit_ids)
    if len(co) > MAX_CO_UNITS:
        raise Invalid("units.too_many", f"At most {MAX_CO_UNITS} co-units.", limit=MAX_CO_UNITS)
    ids = [lead_unit_id, *co]
    repeated = sorted({u for u in ids if ids.count(u) > 1})
    if repeated:
        raise Invalid("units.repeated", "A unit can be named once: as lead or as a co-unit.", unit_ids=repeated)
    unknown = [u for u in ids if u not in units]
    if unknown:
        raise Invalid("units.unknown", "No such unit in the congress's registry.", unit_ids=unknown)
    inactive = [u for u in ids if not units[u].active]
    if inactive:
        raise Invalid("units.inactive", "These units are deactivated in the registry.", unit_ids=inactive)
    return [(units[lead_unit_id], "lead"), *((units[u], "co") for u in co)]


def _text(value: str, *, code: str, what: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise Invalid(code, f"{what} is required.")
    if len(value) > limit:
        raise Invalid(code, f"{what} is at most {limit} characters.", limit=limit)
    return value


# --- settling windows ---------------------------------------------------------------------------


def settle(case: Case, now: datetime) -> Case:
    """Units silent until their window closed have accepted, at the moment it closed (视为同意).

    The returned case carries only the events of this settling (as every rule here returns only its own)."""
    case = replace(case, events=()) if case.events else case
    if case.status not in (CaseStatus.PRE_ASSIGNED, CaseStatus.CONTESTED):
        return case
    due = sorted((t for t in case.tasks if t.state is TaskState.PENDING and t.closes_at <= now), key=_by_close)
    if not due:
        return case
    settled = {t.unit_id: replace(t, state=TaskState.DEEMED_ACCEPTED, answered_at=t.closes_at) for t in due}
    tasks = tuple(settled.get(t.unit_id, t) for t in case.tasks)
    events = tuple(
        UnitAccepted(**facts(case), unit=t.ref(), deemed=True, accepted_at=t.closes_at) for t in settled.values()
    )
    return _with_status(replace(case, tasks=tasks, events=case.events + events))


def _by_close(t: UnitTask) -> tuple[datetime, str]:
    return (t.closes_at, t.unit_id)


def _status(tasks: tuple[UnitTask, ...], rounds: tuple[Round, ...]) -> CaseStatus:
    if rounds and rounds[-1].open:
        return CaseStatus.CONTESTED
    if tasks and all(t.state in ACCEPTING for t in tasks):
        return CaseStatus.AGREED
    return CaseStatus.PRE_ASSIGNED


def _with_status(case: Case) -> Case:
    return replace(case, status=_status(case.tasks, case.rounds))


def _changed(case: Case) -> Case:
    return replace(case, revision=case.revision + 1)


# --- pre-assignment (预交办) ----------------------------------------------------------------------


def pre_assign(
    case: Case,
    *,
    lead_unit_id: str,
    co_unit_ids: Iterable[str],
    units: Mapping[str, UnitLike],
    complex_case: bool,
    by: str,
    now: datetime,
    policy: Policy,
) -> Case:
    """Staff confirm a lead unit and co-units; each unit has a window to accept or object."""
    chosen = unit_set(lead_unit_id, co_unit_ids, units)
    if case.status is not CaseStatus.AWAITING_PRE_ASSIGNMENT:
        raise Conflict(
            "case.not_awaiting_pre_assignment", "The case is not awaiting pre-assignment.", status=case.status.value
        )
    closes = policy.window_closes_at(now)
    tasks = tuple(
        UnitTask(
            unit_id=u.id,
            name=u.name,
            role=role,
            state=TaskState.PENDING,
            opened_at=now,
            closes_at=closes,
            coordinator=u.coordinator,
        )
        for u, role in chosen
    )
    after = replace(
        case,
        status=CaseStatus.PRE_ASSIGNED,
        complex=complex_case,
        tasks=tasks,
        pre_assigned_at=now,
        pre_assigned_by=by,
    )
    event = CasePreAssigned(**facts(after), units=[t.window() for t in tasks], pre_assigned_at=now, pre_assigned_by=by)
    return _changed(replace(after, events=(event,)))


def _own_task(case: Case, unit_id: str) -> UnitTask:
    task = case.task(unit_id)
    if task is None or case.status in CLOSED or case.status is CaseStatus.AWAITING_PRE_ASSIGNMENT:
        # a unit never learns of a case it is not on
        raise NotFound("pre_assignment.not_found", "No pre-assignment of this case for your unit.")
    if case.status is CaseStatus.ASSIGNED:
        raise Conflict("pre_assignment.closed", "The case is formally assigned; pre-assignment is over.")
    return task


def _answerable(task: UnitTask) -> None:
    if task.state is TaskState.DEEMED_ACCEPTED:
        raise Conflict(
            "pre_assignment.window_closed",
            "The window closed; the unit stayed silent and has accepted.",
            closed_at=task.closes_at.isoformat(),
        )
    if task.state is TaskState.BOUND:
        raise Conflict("pre_assignment.decided", "A negotiation decision has settled this unit's part.")
    if task.state is not TaskState.PENDING:
        raise Conflict("pre_assignment.already_answered", "The unit has answered already.", state=task.state.value)


def accept(case: Case, *, unit_id: str, by: str, now: datetime) -> Case:
    """A unit accepts its part. Accepting again is a no-op."""
    case = settle(case, now)
    task = _own_task(case, unit_id)
    if task.state is TaskState.ACCEPTED:
        return case
    _answerable(task)
    done = replace(task, state=TaskState.ACCEPTED, answered_at=now, answered_by=by)
    after = _with_status(replace(case, tasks=_replace_task(case.tasks, done)))
    event = UnitAccepted(**facts(after), unit=done.ref(), deemed=False, accepted_at=now, accepted_by=by)
    return _changed(replace(after, events=(*after.events, event)))


def object_to(
    case: Case,
    *,
    unit_id: str,
    reason: str,
    suggested_unit_id: str | None,
    units: Mapping[str, UnitLike],
    by: str,
    now: datetime,
) -> Case:
    """A unit objects (with a reason, and maybe the unit it thinks should handle it): a negotiation round opens."""
    reason = _text(reason, code="objection.reason_required", what="The reason", limit=REASON_MAX)
    if suggested_unit_id is not None:
        if suggested_unit_id == unit_id:
            raise Invalid("objection.suggests_itself", "Suggest another unit, not your own.")
        if suggested_unit_id not in units:
            raise Invalid(
                "objection.suggested_unit_unknown", "No such unit in the registry.", unit_id=suggested_unit_id
            )
    case = settle(case, now)
    task = _own_task(case, unit_id)
    _answerable(task)
    done = replace(
        task,
        state=TaskState.OBJECTED,
        answered_at=now,
        answered_by=by,
        reason=reason,
        suggested_unit_id=suggested_unit_id,
    )
    objection = Objection(
        unit_id=unit_id,
        name=task.name,
        role=task.role,
        reason=reason,
        suggested_unit_id=suggested_unit_id,
        at=now,
        by=by,
    )
    current = case.open_round
    if current is None:
        current = Round(number=len(case.rounds) + 1, opened_at=now)
        rounds = (*case.rounds, replace(current, objections=(objection,)))
    else:
        rounds = (*case.rounds[:-1], replace(current, objections=(*current.objections, objection)))
    after = _with_status(replace(case, tasks=_replace_task(case.tasks, done), rounds=rounds))
    event = UnitObjected(
        **facts(after),
        unit=done.ref(),
        reason=reason,
        suggested_unit_id=suggested_unit_id,
        round=current.number,
        objected_at=now,
        objected_by=by,
        coordinator=task.coordinator,
    )
    return _changed(replace(after, events=(*after.events, event)))


def _replace_task(tasks: tuple[UnitTask, ...], task: UnitTask) -> tuple[UnitTask, ...]:
    return tuple(task if t.unit_id == task.unit_id else t for t in tasks)


# --- negotiation (协商交办) -----------------------------------------------------------------------


def record_meeting(
    case: Case, *, meeting_id: str, held_at: datetime, participants: list[str], minutes: str, by: str, now: datetime
) -> Case:
    """Staff record a negotiation meeting of the open round."""
    minutes = _text(minutes, code="meeting.minutes_required", what="The minutes", limit=MINUTES_MAX)
    people = _participants(participants)
    case = settle(case, now)
    current = _open_round(case)
    meeting = Meeting(
        id=meeting_id,
        kind="negotiation",
        held_at=held_at,
        participants=people,
        minutes=minutes,
        recorded_at=now,
        recorded_by=by,
    )
    rounds = (*case.rounds[:-1], replace(current, meetings=(*current.meetings, meeting)))
    return _changed(replace(case, rounds=rounds))


def _participants(participants: list[str]) -> tuple[str, ...]:
    people = tuple(p.strip() for p in participants if p.strip())
    if not people:
        raise Invalid("meeting.participants_required", "Name who took part.")
    if len(people) > PARTICIPANTS_MAX or any(len(p) > 100 for p in people):
        raise Invalid("meeting.participants_invalid", f"At most {PARTICIPANTS_MAX} participants of 100 characters.")
    return people


def _open_round(case: Case) -> Round:
    current = case.open_round
    if current is None or case.status is not CaseStatus.CONTESTED:
        raise Conflict("negotiation.not_open", "No negotiation is open on this case.", status=case.status.value)
    return current


@dataclass(frozen=True)
class ChairMeeting:
    """The chair meeting (主任会议) whose decision is final."""

    meeting_id: str
    held_at: datetime
    participants: list[str]
    minutes: str


def decide(
    case: Case,
    *,
    lead_unit_id: str,
    co_unit_ids: Iterable[str],
    units: Mapping[str, UnitLike],
    note: str,
    chair: ChairMeeting | None,
    by: str,
    now: datetime,
    policy: Policy,
) -> Case:
    """Close the open round: the units from now on. Units added or given another role get a fresh window;
    a unit that objected and is kept is bound by the decision; a chair meeting's decision binds everyone."""
    chosen = unit_set(lead_unit_id, co_unit_ids, units)
    note = _text(note, code="decision.note_invalid", what="The note", limit=NOTE_MAX, required=False)
    chair_meeting: Meeting | None = None
    if chair is not None:
        chair_meeting = Meeting(
            id=chair.meeting_id,
            kind="chair",
            held_at=chair.held_at,
            participants=_participants(chair.participants),
            minutes=_text(chair.minutes, code="meeting.minutes_required", what="The minutes", limit=MINUTES_MAX),
            recorded_at=now,
            recorded_by=by,
        )
    case = settle(case, now)
    current = _open_round(case)
    if chair is None and current.number > policy.max_negotiation_rounds:
        raise Conflict(
            "negotiation.chair_decision_required",
            f"After {policy.max_negotiation_rounds} rounds the chair meeting decides.",
            round=current.number,
            max_rounds=policy.max_negotiation_rounds,
        )
    old = {t.unit_id: t for t in case.tasks}
    closes = policy.window_closes_at(now)
    tasks: list[UnitTask] = []
    fresh: list[UnitTask] = []
    for unit, role in chosen:
        before = old.get(unit.id)
        if before is not None and before.role == role and (chair is None or before.state in ACCEPTING):
            if before.state is TaskState.OBJECTED:
                tasks.append(replace(before, state=TaskState.BOUND, answered_at=now, answered_by=by))
            else:
                tasks.append(before)  # an acceptance stands; an open window stays open
        elif chair is not None:
            tasks.append(
                UnitTask(
                    unit_id=unit.id,
                    name=unit.name,
                    role=role,
                    state=TaskState.BOUND,
                    opened_at=now,
                    closes_at=now,
                    round=current.number,
                    coordinator=unit.coordinator,
                    answered_at=now,
                    answered_by=by,
                )
            )
        else:
            task = UnitTask(
                unit_id=unit.id,
                name=unit.name,
                role=role,
                state=TaskState.PENDING,
                opened_at=now,
                closes_at=closes,
                round=current.number,
                coordinator=unit.coordinator,
            )
            tasks.append(task)
            fresh.append(task)
    kept = {u.id for u, _ in chosen}
    released = [t.ref() for t in case.tasks if t.unit_id not in kept]
    decision = Decision(
        lead_unit_id=lead_unit_id,
        co_unit_ids=tuple(u.id for u, role in chosen if role == "co"),
        note=note,
        by_chair=chair is not None,
        at=now,
        by=by,
        released=tuple(r.unit_id for r in released),
    )
    meetings = current.meetings + ((chair_meeting,) if chair_meeting else ())
    rounds = (*case.rounds[:-1], replace(current, meetings=meetings, decision=decision))
    after = _with_status(replace(case, tasks=tuple(tasks), rounds=rounds, final=chair is not None))
    event = NegotiationDecided(
        **facts(after),
        round=current.number,
        units=[t.ref() for t in tasks],
        fresh_windows=[t.window() for t in fresh],
        released=released,
        final=chair is not None,
        note=note,
        decided_at=now,
        decided_by=by,
    )
    return _changed(replace(after, events=(*after.events, event)))


# --- formal assignment (正式交办) -----------------------------------------------------------------


def _deadlines(computed: ComputedDeadlines) -> Deadlines:
    return Deadlines(
        reply_due_on=computed.reply_due_on,
        reply_due_at=computed.reply_due_at,
        co_opinion_due_on=computed.co_opinion_due_on,
        co_opinion_due_at=computed.co_opinion_due_at,
        months=computed.months,
        complex=computed.complex,
    )


def assign(
    case: Case,
    *,
    complex_case: bool | None,
    batch_id: str | None,
    by: str,
    now: datetime,
    policy: Policy,
) -> Case:
    """Fix the units and the deadlines: 3 months (6 for a complex case) from today; co-units a month earlier."""
    case = settle(case, now)
    if case.status is not CaseStatus.AGREED:
        raise Conflict(
            "assignment.not_agreed",
            "Only a case every unit has accepted can be formally assigned.",
            status=case.status.value,
            waiting_for=[t.unit_id for t in case.tasks if t.state not in ACCEPTING],
        )
    complex_final = case.complex if complex_case is None else complex_case
    computed = policy.deadlines(now, complex_case=complex_final)
    lead = next(t.ref() for t in case.tasks if t.role == "lead")
    co_units = tuple(t.ref() for t in case.tasks if t.role == "co")
    assignment = Assignment(
        lead=lead,
        co_units=co_units,
        assigned_at=now,
        assigned_by=by,
        deadlines=_deadlines(computed),
        calendar_covered=computed.calendar_covered,
        batch_id=batch_id,
    )
    after = replace(case, status=CaseStatus.ASSIGNED, complex=complex_final, assignment=assignment)
    event = CaseAssigned(
        **facts(after),
        lead_unit=lead,
        co_units=list(co_units),
        deadlines=assignment.deadlines,
        lead_leader=case.leader.leader if case.leader else None,
        batch_id=batch_id,
        assigned_at=now,
        assigned_by=by,
    )
    return _changed(replace(after, events=(*after.events, event)))


def reassign(
    case: Case,
    *,
    lead_unit_id: str,
    co_unit_ids: Iterable[str],
    units: Mapping[str, UnitLike],
    reason: str,
    by: str,
    now: datetime,
    policy: Policy,
) -> Case:
    """Staff change the units of an assigned case (改办), with a reason; deadlines follow the congress's rule."""
    reason = _text(reason, code="reassignment.reason_required", what="The reason", limit=REASON_MAX)
    chosen = unit_set(lead_unit_id, co_unit_ids, units)
    if case.status is not CaseStatus.ASSIGNED or case.assignment is None:
        raise Conflict("reassignment.not_assigned", "Only a formally assigned case can be reassigned.")
    before = case.assignment
    lead = UnitRef(unit_id=chosen[0][0].id, name=chosen[0][0].name, role="lead")
    co_units = tuple(UnitRef(unit_id=u.id, name=u.name, role="co") for u, role in chosen if role == "co")
    if lead.unit_id == before.lead.unit_id and {u.unit_id for u in co_units} == {u.unit_id for u in before.co_units}:
        raise Invalid("reassignment.no_change", "These are the units the case has already.")
    restart = lead.unit_id != before.lead.unit_id and policy.reassignment_deadline.value == "restart"
    if restart:
        computed = policy.deadlines(now, complex_case=before.deadlines.complex)
        deadlines, covered = _deadlines(computed), computed.calendar_covered
    else:
        deadlines, covered = before.deadlines, before.calendar_covered
    old_roles = {before.lead.unit_id: "lead", **{u.unit_id: "co" for u in before.co_units}}
    new_refs = (lead, *co_units)
    released = [u for u in (before.lead, *before.co_units) if u.unit_id not in {r.unit_id for r in new_refs}]
    added = [u for u in new_refs if old_roles.get(u.unit_id) != u.role]
    assignment = replace(
        before, lead=lead, co_units=co_units, deadlines=deadlines, calendar_covered=covered, batch_id=None
    )
    record = Reassignment(
        at=now,
        by=by,
        reason=reason,
        previous_lead=before.lead,
        previous_co_units=before.co_units,
        lead=lead,
        co_units=co_units,
        deadlines_restarted=restart,
    )
    after = replace(case, assignment=assignment, reassignments=(*case.reassignments, record))
    event = CaseReassigned(
        **facts(after),
        lead_unit=lead,
        co_units=list(co_units),
        previous_lead_unit=before.lead,
        previous_co_units=list(before.co_units),
        released=released,
        added=added,
        deadlines=deadlines,
        deadlines_restarted=restart,
        reason=reason,
        reassigned_at=now,
        reassigned_by=by,
    )
    return _changed(replace(after, events=(event,)))


def take_lead(case: Case, *, leader: LeaderRef, by: str, now: datetime) -> Case:
    """A leader takes the case to lead its handling (领导领办); naming the same leader again is a no-op."""
    if case.status in CLOSED:
        raise Conflict("case.closed", "The case is closed here.", status=case.status.value)
    if case.leader is not None and case.leader.leader.id == leader.id:
        return replace(case, events=())
    case = settle(case, now)
    after = replace(case, leader=LeaderLed(leader=leader, at=now, by=by))
    event = LeaderTookCase(**facts(after), leader=leader, assigned=case.status is CaseStatus.ASSIGNED, at=now, by=by)
    return _changed(replace(after, events=(*after.events, event)))


# --- intake's later news ------------------------------------------------------------------------


def cancel(
    case: Case, *, reason: Literal["merged", "withdrawn", "passed_up"], merged_into: str | None, now: datetime
) -> Case:
    """The suggestion stops being a case here; the units that were asked or assigned are told."""
    if case.status in CLOSED:
        return replace(case, events=())
    status = {
        "merged": CaseStatus.MERGED,
        "withdrawn": CaseStatus.WITHDRAWN,
        "passed_up": CaseStatus.PASSED_UP,
    }[reason]
    was_assigned = case.status is CaseStatus.ASSIGNED
    if case.assignment is not None:
        refs = [case.assignment.lead, *case.assignment.co_units]
    else:
        refs = [t.ref() for t in case.tasks]
    after = replace(case, status=status, merged_into=merged_into)
    events: tuple[EventData, ...] = ()
    if refs:
        events = (
            CaseCancelled(
                **facts(after),
                reason=reason,
                merged_into=merged_into,
                units=refs,
                was_assigned=was_assigned,
                cancelled_at=now,
            ),
        )
    return _changed(replace(after, events=events))
