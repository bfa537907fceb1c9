"""Events assignment publishes: its handling units, and a case's way from pre-assignment to formal assignment.

Every case event carries the same facts (CaseFacts) so a consumer needs no other lookup; the event
name says what changed. Instants are UTC; the `*_on` dates are Asia/Shanghai calendar dates, the
`*_at` instants beside them are the end of that local day (the moment the deadline expires).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import EventData
from shared.contracts.intake import DeputyRef
from shared.contracts.registry import registry


class UnitContact(BaseModel):
    """A person who may act for a handling unit (the `sub` of their token) and how to reach them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""


class UnitRef(BaseModel):
    """A handling unit as case events name it, with its role in the case."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    unit_id: str
    name: str = ""
    role: Literal["lead", "co"] = "lead"


class UnitWindow(UnitRef):
    """A unit asked to accept or object, and when its window closes (silence = acceptance then)."""

    window_closes_at: datetime


class LeaderRef(BaseModel):
    """A leader who took a case to lead its handling (领导领办)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str = ""
    title: str = ""


class Deadlines(BaseModel):
    """The deadlines formal assignment (or reassignment) fixes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    reply_due_on: date  # the lead unit replies to the deputy by this local date
    reply_due_at: datetime
    co_opinion_due_on: date  # co-units send their opinion to the lead unit by this local date
    co_opinion_due_at: datetime
    months: int  # the period counted: 3, or 6 for a complex case (per-congress settings)
    complex: bool = False


class CaseFacts(EventData):
    """What every case event says about the case."""

    case_id: str  # the suggestion id intake gave it
    congress_id: str
    number: str
    title: str
    field: str
    session: str = ""
    lead_deputy: DeputyRef
    co_signers: list[DeputyRef] = Field(default_factory=list)
    confidential: bool = False


@registry.register
class CasePreAssigned(CaseFacts):
    """Staff pre-assigned the case (预交办): each unit accepts or objects before its window closes."""

    event_type: ClassVar[str] = "assignment.case.pre_assigned.v1"
    units: list[UnitWindow]
    pre_assigned_at: datetime
    pre_assigned_by: str


@registry.register
class UnitAccepted(CaseFacts):
    """A unit accepted its part in the case; `deemed` when it stayed silent until its window closed."""

    event_type: ClassVar[str] = "assignment.case.unit_accepted.v1"
    unit: UnitRef
    deemed: bool
    accepted_at: datetime  # for a deemed acceptance: the moment the window closed
    accepted_by: str = ""  # empty when deemed


@registry.register
class UnitObjected(CaseFacts):
    """A unit objected to its part in the case (对承办有异议); a negotiation round is open."""

    event_type: ClassVar[str] = "assignment.case.unit_objected.v1"
    unit: UnitRef
    reason: str
    suggested_unit_id: str | None = None
    round: int
    objected_at: datetime
    objected_by: str
    coordinator: str = ""  # the office that takes the unit's objection (e.g. 市政府督查室)


@registry.register
class NegotiationDecided(CaseFacts):
    """Staff (or the chair meeting, `final`) decided a negotiation round (协商交办)."""

    event_type: ClassVar[str] = "assignment.case.negotiation_decided.v1"
    round: int
    units: list[UnitRef]  # lead and co-units from now on
    fresh_windows: list[UnitWindow]  # units added or whose role changed, asked again (empty when final)
    released: list[UnitRef]  # units no longer on the case
    final: bool  # the chair meeting decided (主任会议): no more objections
    note: str = ""
    decided_at: datetime
    decided_by: str


@registry.register
class CaseAssigned(CaseFacts):
    """The case was formally assigned (正式交办): units and deadlines are fixed."""

    event_type: ClassVar[str] = "assignment.case.assigned.v1"
    lead_unit: UnitRef
    co_units: list[UnitRef]
    deadlines: Deadlines
    lead_leader: LeaderRef | None = None
    batch_id: str | None = None  # set when assigned in a batch (集中交办)
    assigned_at: datetime
    assigned_by: str


@registry.register
class CaseReassigned(CaseFacts):
    """Staff changed the units of an assigned case (改办), with a reason; the deadlines follow the congress's rule."""

    event_type: ClassVar[str] = "assignment.case.reassigned.v1"
    lead_unit: UnitRef
    co_units: list[UnitRef]
    previous_lead_unit: UnitRef
    previous_co_units: list[UnitRef]
    released: list[UnitRef]  # units no longer on the case
    added: list[UnitRef]  # units new to the case (or in a new role)
    deadlines: Deadlines
    deadlines_restarted: bool
    reason: str
    reassigned_at: datetime
    reassigned_by: str


@registry.register
class LeaderTookCase(CaseFacts):
    """A leader took the case to lead its handling (领导领办)."""

    event_type: ClassVar[str] = "assignment.case.leader_assigned.v1"
    leader: LeaderRef
    assigned: bool  # whether the case was already formally assigned
    at: datetime
    by: str


@registry.register
class CaseCancelled(CaseFacts):
    """A case that had units stopped here: merged into another case, withdrawn or passed up a level.

    Published only when units had been asked (pre-assigned) or assigned, so they drop it.
    """

    event_type: ClassVar[str] = "assignment.case.cancelled.v1"
    reason: Literal["merged", "withdrawn", "passed_up"]
    merged_into: str | None = None
    units: list[UnitRef]
    was_assigned: bool
    cancelled_at: datetime


@registry.register
class UnitUpdated(EventData):
    """A handling unit was added to or changed in a congress's registry (who acts for it, how to reach them)."""

    event_type: ClassVar[str] = "assignment.unit.updated.v1"
    congress_id: str
    unit_id: str
    name: str
    kind: str
    coordinator: str = ""
    contacts: list[UnitContact] = Field(default_factory=list)
    active: bool = True
    updated_at: datetime
