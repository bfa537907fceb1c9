"""Events supervision publishes: the handling of an assigned case (办) and its supervision (督).

Every case event carries the same facts (HandlingFacts): the case, its units and its current reply
deadline, so a consumer (notify, evaluation, an integrator) needs no other lookup.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.assignment import UnitRef
from shared.contracts.envelope import EventData
from shared.contracts.intake import DeputyRef
from shared.contracts.registry import registry

Category = Literal["A", "B", "C"]  # A 解决采纳, B 正在解决/计划解决, C 留作参考
Light = Literal["green", "yellow", "red", "none"]
ContactStage = Literal["on_receipt", "while_handling", "at_reply"]  # 收到见面问情 / 办理见面问策 / 答复见面问评
ContactMethod = Literal["face_to_face", "phone", "meeting", "online"]


class Commitment(BaseModel):
    """A dated commitment of a B reply (正在解决 / 计划解决)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    text: str
    due_on: date
    state: Literal["open", "done", "dropped"] = "open"
    year: int  # the ledger year it stands in (rolled-over items move to the next year)


class HandlingFacts(EventData):
    """What every supervision case event says about the case."""

    case_id: str
    congress_id: str
    number: str
    title: str
    field: str
    lead_deputy: DeputyRef
    co_signers: list[DeputyRef] = Field(default_factory=list)
    confidential: bool = False
    lead_unit: UnitRef
    co_units: list[UnitRef] = Field(default_factory=list)
    reply_due_on: date
    reply_due_at: datetime
    round: int = 1  # 1: the first handling; 2, 3, …: re-handling after an unsatisfied rating


@registry.register
class CaseOpened(HandlingFacts):
    """The case entered the handling ledger (from its formal assignment); units are to sign for it."""

    event_type: ClassVar[str] = "supervision.case.opened.v1"
    sign_due_at: datetime


@registry.register
class CaseSigned(HandlingFacts):
    """A unit signed for the case (签收)."""

    event_type: ClassVar[str] = "supervision.case.signed.v1"
    unit: UnitRef
    signed_at: datetime
    signed_by: str
    late: bool


@registry.register
class ContactLogged(HandlingFacts):
    """A unit logged a contact with the deputy (三见面三沟通)."""

    event_type: ClassVar[str] = "supervision.case.contact_logged.v1"
    unit: UnitRef
    stage: ContactStage
    method: ContactMethod
    held_at: datetime
    logged_by: str


@registry.register
class CoOpinionSent(HandlingFacts):
    """A co-unit sent its opinion to the lead unit (协办意见)."""

    event_type: ClassVar[str] = "supervision.case.co_opinion_sent.v1"
    unit: UnitRef
    sent_at: datetime
    late: bool


@registry.register
class ReplySubmitted(HandlingFacts):
    """The lead unit submitted its reply; staff review it before it reaches the deputy (三对照)."""

    event_type: ClassVar[str] = "supervision.case.reply_submitted.v1"
    category: Category
    submitted_at: datetime
    submitted_by: str


@registry.register
class ReplySentBack(HandlingFacts):
    """Staff sent the reply back as not meeting the standard; the unit replies again."""

    event_type: ClassVar[str] = "supervision.case.reply_sent_back.v1"
    reasons: list[Literal["format", "off_topic", "measures_mismatch", "other"]]
    note: str = ""
    sent_back_at: datetime
    sent_back_by: str


@registry.register
class CaseReplied(HandlingFacts):
    """The reply reached the deputy (答复): the deputies are to rate it."""

    event_type: ClassVar[str] = "supervision.case.replied.v1"
    category: Category
    public: bool
    commitments: list[Commitment] = Field(default_factory=list)
    submitted_at: datetime
    replied_at: datetime
    on_time: bool
    second_reply: bool = False  # the second reply (二次答复) of a B case, not a new reply round


@registry.register
class ExtensionRequested(HandlingFacts):
    """The lead unit asked for more time (申请延期)."""

    event_type: ClassVar[str] = "supervision.case.extension_requested.v1"
    extension_id: str
    reason: str
    requested_due_on: date
    requested_at: datetime
    requested_by: str


@registry.register
class ExtensionDecided(HandlingFacts):
    """Staff approved or refused an extension; `reply_due_*` are the deadline from now on."""

    event_type: ClassVar[str] = "supervision.case.extension_decided.v1"
    extension_id: str
    approved: bool
    previous_due_on: date
    note: str = ""
    decided_at: datetime
    decided_by: str


@registry.register
class LightChanged(HandlingFacts):
    """The case's traffic light changed (三色督办): yellow goes to the secretary's list, red to the chair's."""

    event_type: ClassVar[str] = "supervision.case.light_changed.v1"
    light: Light
    previous: Light
    reasons: list[Literal["due_soon", "overdue", "weak_handling", "poor_handling"]]
    changed_at: datetime


@registry.register
class CaseUrged(HandlingFacts):
    """A reminder (催办) to the units: automatic before and after the deadline, or by staff."""

    event_type: ClassVar[str] = "supervision.case.urged.v1"
    kind: Literal["before_deadline", "overdue", "manual"]
    days_left: int  # calendar days to the deadline (negative when overdue)
    note: str = ""
    urged_at: datetime
    urged_by: str = ""  # empty for automatic reminders
    units: list[UnitRef]


@registry.register
class RehandlingStarted(HandlingFacts):
    """An unsatisfied rating re-opened the case (重新办理): a new round with a new deadline."""

    event_type: ClassVar[str] = "supervision.case.rehandling_started.v1"
    previous_round: int
    started_at: datetime


@registry.register
class ReferredToChair(HandlingFacts):
    """After the set number of re-handling rounds the case goes to the chair meeting (主任会议)."""

    event_type: ClassVar[str] = "supervision.case.referred_to_chair.v1"
    rounds: int
    referred_at: datetime


@registry.register
class CaseClosed(HandlingFacts):
    """The case is closed (办结)."""

    event_type: ClassVar[str] = "supervision.case.closed.v1"
    reason: Literal["satisfied", "basically_satisfied", "chair_decision", "cancelled"]
    category: Category | None
    open_commitments: int  # B items still on the ledger (followed up by the second reply)
    closed_at: datetime


@registry.register
class CommitmentsUpdated(HandlingFacts):
    """The B ledger of a case changed: a second reply, an item done (B → A), or items rolled into next year."""

    event_type: ClassVar[str] = "supervision.case.commitments_updated.v1"
    change: Literal["second_reply", "done", "rolled_over", "dropped"]
    commitments: list[Commitment]
    became_a: bool  # every commitment is done: the case counts as solved (A)
    at: datetime
    by: str


@registry.register
class KeyCasePlanned(EventData):
    """A case is under key supervision (重点督办) and its plan was set or changed: lead leader, committee."""

    event_type: ClassVar[str] = "supervision.key_case.planned.v1"
    case_id: str
    congress_id: str
    year: int
    number: str
    title: str
    source: Literal["selection", "staff"]  # the year's selected key suggestions, or marked by staff
    lead_leader: str = ""  # 领衔督办的领导
    committee: str = ""  # 对口专门委员会 / 工作委员会
    planned_at: datetime
    planned_by: str = ""


@registry.register
class KeyCaseProgressRecorded(EventData):
    """An entry of a key case's supervision: a monthly dispatch (每月调度), a visit or a meeting, with findings."""

    event_type: ClassVar[str] = "supervision.key_case.progress_recorded.v1"
    case_id: str
    congress_id: str
    entry_id: str
    kind: Literal["dispatch", "visit", "meeting"]
    month: str = ""  # YYYY-MM for a monthly dispatch
    progress_percent: int | None = None
    findings: str = ""
    recorded_at: datetime
    recorded_by: str
