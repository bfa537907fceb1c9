"""Request and response bodies of supervision's case routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.supervision.domain import Case, Status
from services.supervision.policy import Policy
from shared.contracts.assignment import UnitRef
from shared.contracts.intake import DeputyRef
from shared.contracts.supervision import Category, ContactMethod, ContactStage, Light

Text = Annotated[str, StringConstraints(max_length=20_000)]
Note = Annotated[str, StringConstraints(max_length=2_000)]


class Strict(BaseModel):
    """Request bodies refuse unknown fields (a typo is an error, not a silent default)."""

    model_config = ConfigDict(extra="forbid")


# --- requests ---------------------------------------------------------------------------------


class ContactIn(Strict):
    """A contact with the deputy: stage (收到/办理/答复见面), method, when, what the deputy said."""

    stage: ContactStage
    method: ContactMethod
    held_at: datetime
    deputy_said: Text
    summary: Text = ""


class OpinionIn(Strict):
    text: Text


class CommitmentIn(Strict):
    text: Note
    due_on: date


class ReplyIn(Strict):
    """The lead unit's reply: category, text, the leader who signed it off, publication."""

    category: Category
    text: Text
    signed_off_by: Annotated[str, StringConstraints(max_length=50)]
    public: bool = False
    public_text: Text = ""
    reasons: Text = ""  # C: why it is kept for reference
    commitments: list[CommitmentIn] = Field(default_factory=list, max_length=30)  # B: each dated


class ReviewIn(Strict):
    """Staff's check (三对照): accept (the reply reaches the deputy) or send back with reasons."""

    accept: bool
    reasons: list[Literal["format", "off_topic", "measures_mismatch", "other"]] = Field(default_factory=list)
    note: Note = ""


class ExtensionIn(Strict):
    reason: Note
    due_on: date


class ExtensionDecisionIn(Strict):
    approve: bool
    due_on: date | None = None  # another date than asked
    chair_decision: bool = False  # beyond the cap: the chair meeting decided
    note: Note = ""


class FlagIn(Strict):
    level: Literal["none", "weak", "poor"]
    note: Note = ""


class UrgeIn(Strict):
    note: Note


class ChairDecisionIn(Strict):
    close: bool
    due_on: date | None = None
    note: Note


class ItemProgressIn(Strict):
    commitment_id: Annotated[str, StringConstraints(max_length=64)]
    done: bool
    note: Note = ""


class SecondReplyIn(Strict):
    text: Text
    progress: list[ItemProgressIn] = Field(default_factory=list, max_length=30)


class CommitmentDoneIn(Strict):
    note: Note = ""


class RollOverIn(Strict):
    from_year: int = Field(ge=2000, le=2100)


class PolicyIn(Strict):
    """A congress's supervision rules."""

    sign_within_working_days: int = Field(default=3, ge=1, le=30)
    yellow_days: int = Field(default=15, ge=1, le=90)
    reminder_days_before: list[int] = Field(default_factory=lambda: [15, 7, 1], max_length=10)
    overdue_every_working_days: int = Field(default=3, ge=1, le=30)
    reminder_hour: int = Field(default=9, ge=0, le=23)
    rehandling_months: int = Field(default=1, ge=1, le=6)
    max_rehandling_rounds: int = Field(default=2, ge=1, le=5)
    extension_cap_months: int = Field(default=6, ge=1, le=24)
    second_reply_months: int = Field(default=6, ge=1, le=24)
    review_replies: bool = True
    deadline_to_working_day: bool = True
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
            sign_within_working_days=p.sign_within_working_days,
            yellow_days=p.yellow_days,
            reminder_days_before=list(p.reminder_days_before),
            overdue_every_working_days=p.overdue_every_working_days,
            reminder_hour=p.reminder_hour,
            rehandling_months=p.rehandling_months,
            max_rehandling_rounds=p.max_rehandling_rounds,
            extension_cap_months=p.extension_cap_months,
            second_reply_months=p.second_reply_months,
            review_replies=p.review_replies,
            deadline_to_working_day=p.deadline_to_working_day,
            extra_holidays=list(p.extra_holidays),
            extra_workdays=list(p.extra_workdays),
            updated_at=updated_at,
            updated_by=updated_by,
        )


class UnitPartPublic(BaseModel):
    unit_id: str
    name: str
    role: Literal["lead", "co"]
    signed_at: datetime | None
    signed_by: str
    opinion: str
    opinion_at: datetime | None


class ContactPublic(BaseModel):
    id: str
    unit_id: str
    stage: ContactStage
    method: ContactMethod
    held_at: datetime
    deputy_said: str
    summary: str
    round: int
    logged_at: datetime
    logged_by: str


class ReplyPublic(BaseModel):
    id: str
    round: int
    category: Category
    text: str
    signed_off_by: str
    public: bool
    public_text: str
    reasons: str
    submitted_at: datetime
    submitted_by: str
    state: Literal["under_review", "sent_back", "delivered"]
    reviewed_at: datetime | None
    reviewed_by: str
    review_reasons: list[str]
    review_note: str
    delivered_at: datetime | None
    on_time: bool | None


class ExtensionPublic(BaseModel):
    id: str
    reason: str
    requested_due_on: date
    requested_at: datetime
    requested_by: str
    state: Literal["pending", "approved", "refused"]
    decided_at: datetime | None
    decided_by: str
    note: str
    chair_decision: bool


class UrgingPublic(BaseModel):
    kind: Literal["before_deadline", "overdue", "manual"]
    at: datetime
    days_left: int
    note: str
    by: str


class CommitmentPublic(BaseModel):
    id: str
    text: str
    due_on: date
    year: int
    state: Literal["open", "done", "dropped"]
    done_at: datetime | None
    note: str
    rolled_from: int | None


class RatingPublic(BaseModel):
    round: int
    result: Literal["satisfied", "basically_satisfied", "unsatisfied"]
    rated_at: datetime


class CasePublic(BaseModel):
    """A case in the ledger: its units, deadlines, contacts, replies, urging, light and B ledger."""

    id: str
    congress_id: str
    number: str
    title: str
    field: str
    lead_deputy: DeputyRef
    co_signers: list[DeputyRef]
    confidential: bool
    lead_unit: UnitPartPublic
    co_units: list[UnitPartPublic]
    assigned_at: datetime
    year: int
    status: Status
    round: int
    reply_due_on: date
    reply_due_at: datetime
    co_opinion_due_on: date
    sign_due_at: datetime
    light: Light
    flag: Literal["none", "weak", "poor"]
    flag_note: str
    contacts: list[ContactPublic]
    replies: list[ReplyPublic]
    extensions: list[ExtensionPublic]
    urgings: list[UrgingPublic]
    ratings: list[RatingPublic]
    commitments: list[CommitmentPublic]
    second_reply_due_on: date | None
    second_replied_at: datetime | None
    second_reply_text: str
    became_a: bool
    closed_at: datetime | None
    close_reason: str

    @classmethod
    def of(cls, c: Case) -> CasePublic:
        def part(u: object) -> UnitPartPublic:
            return UnitPartPublic(**{k: v for k, v in vars(u).items() if k != "opinion_by"})

        return cls(
            id=c.id,
            congress_id=c.congress_id,
            number=c.number,
            title=c.title,
            field=c.field,
            lead_deputy=c.lead_deputy,
            co_signers=list(c.co_signers),
            confidential=c.confidential,
            lead_unit=part(c.lead),
            co_units=[part(u) for u in c.co_units],
            assigned_at=c.assigned_at,
            year=c.year,
            status=c.status,
            round=c.round,
            reply_due_on=c.reply_due_on,
            reply_due_at=c.reply_due_at,
            co_opinion_due_on=c.co_opinion_due_on,
            sign_due_at=c.sign_due_at,
            light=c.light,
            flag=c.flag,
            flag_note=c.flag_note,
            contacts=[ContactPublic(**vars(x)) for x in c.contacts],
            replies=[ReplyPublic(**{**vars(r), "review_reasons": list(r.review_reasons)}) for r in c.replies],
            extensions=[ExtensionPublic(**vars(e)) for e in c.extensions],
            urgings=[
                UrgingPublic(kind=u.kind, at=u.at, days_left=u.days_left, note=u.note, by=u.by) for u in c.urgings
            ],
            ratings=[RatingPublic(round=r.round, result=r.result, rated_at=r.rated_at) for r in c.ratings],
            commitments=[CommitmentPublic(**vars(x)) for x in c.commitments],
            second_reply_due_on=c.second_reply_due_on,
            second_replied_at=c.second_replied_at,
            second_reply_text=c.second_reply_text,
            became_a=c.became_a,
            closed_at=c.closed_at,
            close_reason=c.close_reason,
        )


class CasesPublic(BaseModel):
    data: list[CasePublic]
    count: int


class BItemPublic(BaseModel):
    """One open B commitment on the look-back list (回头看)."""

    case_id: str
    number: str
    title: str
    lead_unit: UnitRef
    commitment: CommitmentPublic
    overdue: bool
    second_reply_due_on: date | None
    second_replied: bool


class BLedgerPublic(BaseModel):
    data: list[BItemPublic]
    count: int


class RollOverResult(BaseModel):
    cases: int
    items: int
