"""The handling ledger of one case (办) and its supervision (督). No I/O here.

A case enters from its formal assignment and is `handling` until the lead unit's reply reaches the
deputy (`replied`), going through staff review (`reply_review`) when the congress checks replies.
A satisfied or basically satisfied rating closes it (`closed`); an unsatisfied one re-opens it for a
new round with a new deadline, until the chair meeting decides (`at_chair`).

While a case waits for the unit's reply (`handling`) it has a traffic light and reminders; both are
functions of the time (`observe`), which the sweep and every action apply: the light changes and
the reminders fire exactly once each, whenever they are observed after their moment. Every change
returns a new Case whose `events` the store writes in the same single-document update.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from services.supervision.policy import Policy, deadline_instant
from shared.contracts.assignment import CaseAssigned, CaseReassigned, UnitRef
from shared.contracts.envelope import EventData
from shared.contracts.intake import DeputyRef
from shared.contracts.supervision import (
    CaseClosed,
    CaseOpened,
    CaseReplied,
    CaseSigned,
    CaseUrged,
    Category,
    CommitmentsUpdated,
    ContactLogged,
    ContactMethod,
    ContactStage,
    CoOpinionSent,
    ExtensionDecided,
    ExtensionRequested,
    Light,
    LightChanged,
    ReferredToChair,
    RehandlingStarted,
    ReplySentBack,
    ReplySubmitted,
)
from shared.contracts.supervision import Commitment as CommitmentRef
from shared.errors import Conflict, Forbidden, Invalid
from shared.workdays import local_date

TEXT_MAX = 20_000
NOTE_MAX = 2_000
COMMITMENTS_MAX = 30
_ONE_MS = timedelta(milliseconds=1)


class Status(StrEnum):
    """Where a case stands in handling."""

    HANDLING = "handling"  # waiting for the lead unit's reply
    REPLY_REVIEW = "reply_review"  # staff check the reply before it reaches the deputy
    REPLIED = "replied"  # the deputy has the reply; waiting for the rating
    AT_CHAIR = "at_chair"  # re-handled the set number of times: the chair meeting decides
    CLOSED = "closed"  # 办结
    CANCELLED = "cancelled"  # merged, passed up or withdrawn in assignment


OPEN = (Status.HANDLING, Status.REPLY_REVIEW, Status.REPLIED, Status.AT_CHAIR)


@dataclass(frozen=True)
class UnitPart:
    """A unit on the case: when it signed for it and, for a co-unit, its opinion to the lead unit."""

    unit_id: str
    name: str
    role: Literal["lead", "co"]
    signed_at: datetime | None = None
    signed_by: str = ""
    opinion: str = ""
    opinion_at: datetime | None = None
    opinion_by: str = ""

    def ref(self) -> UnitRef:
        return UnitRef(unit_id=self.unit_id, name=self.name, role=self.role)


@dataclass(frozen=True)
class Contact:
    """A contact with the deputy (三见面: on receipt, while handling, at reply)."""

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


@dataclass(frozen=True)
class Commitment:
    """A dated commitment of a B reply, tracked to its date on the B ledger."""

    id: str
    text: str
    due_on: date
    year: int
    state: Literal["open", "done", "dropped"] = "open"
    done_at: datetime | None = None
    note: str = ""
    rolled_from: int | None = None  # the year it rolled over from (滚动办理)

    def ref(self) -> CommitmentRef:
        return CommitmentRef(id=self.id, text=self.text, due_on=self.due_on, state=self.state, year=self.year)


@dataclass(frozen=True)
class Reply:
    """A reply of the lead unit (one per submission; a sent-back one stays in the history)."""

    id: str
    round: int
    category: Category
    text: str
    signed_off_by: str  # the unit's leader who approved it (领导审签)
    public: bool
    public_text: str
    reasons: str  # for C: why it is kept for reference
    submitted_at: datetime
    submitted_by: str
    state: Literal["under_review", "sent_back", "delivered"]
    reviewed_at: datetime | None = None
    reviewed_by: str = ""
    review_reasons: tuple[str, ...] = ()
    review_note: str = ""
    delivered_at: datetime | None = None
    on_time: bool | None = None


@dataclass(frozen=True)
class Extension:
    """A request for more time."""

    id: str
    reason: str
    requested_due_on: date
    requested_at: datetime
    requested_by: str
    state: Literal["pending", "approved", "refused"] = "pending"
    decided_at: datetime | None = None
    decided_by: str = ""
    note: str = ""
    chair_decision: bool = False


@dataclass(frozen=True)
class Urging:
    """A reminder sent to the units (催办)."""

    key: str  # before-15:<due>, overdue-0:<due>, manual:<id>
    kind: Literal["before_deadline", "overdue", "manual"]
    at: datetime
    days_left: int
    note: str = ""
    by: str = ""


@dataclass(frozen=True)
class Rating:
    """The result of a reply round as evaluation reported it."""

    round: int
    result: Literal["satisfied", "basically_satisfied", "unsatisfied"]
    rated_at: datetime
    event_id: str


@dataclass(frozen=True)
class Case:
    """One assigned case in the handling ledger."""

    id: str
    congress_id: str
    number: str
    title: str
    field: str
    lead_deputy: DeputyRef
    co_signers: tuple[DeputyRef, ...]
    confidential: bool
    lead: UnitPart
    co_units: tuple[UnitPart, ...]
    assigned_at: datetime
    year: int  # the local year of formal assignment: the ledger year the figures count it in
    months: int
    complex: bool
    reply_due_on: date
    co_opinion_due_on: date
    sign_due_at: datetime
    armed_at: datetime  # when the current deadline was set: reminders before it are not due
    status: Status = Status.HANDLING
    round: int = 1
    contacts: tuple[Contact, ...] = ()
    replies: tuple[Reply, ...] = ()
    extensions: tuple[Extension, ...] = ()
    urgings: tuple[Urging, ...] = ()
    flag: Literal["none", "weak", "poor"] = "none"
    flag_note: str = ""
    light: Light = "green"
    ratings: tuple[Rating, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    second_reply_due_on: date | None = None
    second_replied_at: datetime | None = None
    second_reply_text: str = ""
    became_a: bool = False
    closed_at: datetime | None = None
    close_reason: str = ""
    revision: int = 1
    events: tuple[EventData, ...] = ()
    traceparent: str = ""

    # --- derived --------------------------------------------------------------------------------

    @property
    def reply_due_at(self) -> datetime:
        return deadline_instant(self.reply_due_on)

    @property
    def co_opinion_due_at(self) -> datetime:
        return deadline_instant(self.co_opinion_due_on)

    def units(self) -> list[UnitPart]:
        return [self.lead, *self.co_units]

    def unit(self, unit_id: str) -> UnitPart | None:
        return next((u for u in self.units() if u.unit_id == unit_id), None)

    def unit_ids(self) -> list[str]:
        return [u.unit_id for u in self.units()]

    @property
    def current_reply(self) -> Reply | None:
        rounds = [r for r in self.replies if r.round == self.round and r.state != "sent_back"]
        return rounds[-1] if rounds else None

    @property
    def first_delivered(self) -> Reply | None:
        return next((r for r in self.replies if r.state == "delivered"), None)

    def open_commitments(self) -> list[Commitment]:
        return [c for c in self.commitments if c.state == "open"]


# --- facts and events ---------------------------------------------------------------------------


def facts(case: Case) -> dict[str, object]:
    """The facts every supervision case event carries."""
    return {
        "case_id": case.id,
        "congress_id": case.congress_id,
        "number": case.number,
        "title": case.title,
        "field": case.field,
        "lead_deputy": case.lead_deputy,
        "co_signers": list(case.co_signers),
        "confidential": case.confidential,
        "lead_unit": case.lead.ref(),
        "co_units": [u.ref() for u in case.co_units],
        "reply_due_on": case.reply_due_on,
        "reply_due_at": case.reply_due_at,
        "round": case.round,
    }


def _emit(case: Case, *events: EventData) -> Case:
    return replace(case, events=case.events + events, revision=case.revision + 1)


def _fresh(case: Case) -> Case:
    return replace(case, events=()) if case.events else case


def _text(value: str, *, code: str, what: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise Invalid(code, f"{what} is required.")
    if len(value) > limit:
        raise Invalid(code, f"{what} is at most {limit} characters.", limit=limit)
    return value


# --- entering the ledger -------------------------------------------------------------------------


def open_case(event: CaseAssigned, *, policy: Policy, now: datetime) -> Case:
    """A formally assigned case enters the ledger with the deadlines assignment fixed."""
    assigned_at = event.assigned_at
    case = Case(
        id=event.case_id,
        congress_id=event.congress_id,
        number=event.number,
        title=event.title,
        field=event.field,
        lead_deputy=event.lead_deputy,
        co_signers=tuple(event.co_signers),
        confidential=event.confidential,
        lead=UnitPart(unit_id=event.lead_unit.unit_id, name=event.lead_unit.name, role="lead"),
        co_units=tuple(UnitPart(unit_id=u.unit_id, name=u.name, role="co") for u in event.co_units),
        assigned_at=assigned_at,
        year=local_date(assigned_at).year,
        months=event.deadlines.months,
        complex=event.deadlines.complex,
        reply_due_on=event.deadlines.reply_due_on,
        co_opinion_due_on=event.deadlines.co_opinion_due_on,
        sign_due_at=policy.sign_due_at(assigned_at),
        armed_at=assigned_at,
    )
    opened = _emit(case, CaseOpened(**facts(case), sign_due_at=case.sign_due_at))
    return observe(opened, now=now, policy=policy, initial=True)


def reassigned(case: Case, event: CaseReassigned, *, policy: Policy, now: datetime) -> Case:
    """The units changed (改办): the ledger follows; units that stay keep their sign-for and opinion."""
    case = _fresh(case)
    if case.status not in OPEN:
        return case
    old = {u.unit_id: u for u in case.units()}

    def part(ref: UnitRef) -> UnitPart:
        kept = old.get(ref.unit_id)
        if kept is not None and kept.role == ref.role:
            return kept
        return UnitPart(unit_id=ref.unit_id, name=ref.name, role=ref.role)

    new_due = event.deadlines.reply_due_on
    changed_deadline = new_due != case.reply_due_on
    after = replace(
        case,
        lead=part(event.lead_unit),
        co_units=tuple(part(u) for u in event.co_units),
        reply_due_on=new_due,
        co_opinion_due_on=event.deadlines.co_opinion_due_on,
        armed_at=event.reassigned_at if changed_deadline else case.armed_at,
        sign_due_at=policy.sign_due_at(event.reassigned_at),
        revision=case.revision + 1,
    )
    return observe(after, now=now, policy=policy)


def cancel(case: Case, *, now: datetime) -> Case:
    """Assignment stopped the case (merged, passed up, withdrawn): it closes here."""
    case = _fresh(case)
    if case.status not in OPEN:
        return case
    after = replace(case, status=Status.CANCELLED, closed_at=now, close_reason="cancelled", light="none")
    return _emit(
        after, CaseClosed(**facts(after), reason="cancelled", category=None, open_commitments=0, closed_at=now)
    )


# --- lights and reminders --------------------------------------------------------------------------


def light_at(case: Case, now: datetime, policy: Policy) -> tuple[Light, list[str]]:
    """The case's light at `now`: only a case waiting for the unit's reply has one."""
    if case.status is not Status.HANDLING:
        return "none", []
    reasons: list[str] = []
    if now > case.reply_due_at:
        reasons.append("overdue")
    if case.flag == "poor":
        reasons.append("poor_handling")
    if reasons:
        return "red", reasons
    if now >= policy.yellow_from(case.reply_due_on):
        reasons.append("due_soon")
    if case.flag == "weak":
        reasons.append("weak_handling")
    return ("yellow", reasons) if reasons else ("green", [])


def _due_reminders(case: Case, now: datetime, policy: Policy) -> list[tuple[str, str, datetime, int]]:
    """Reminder points passed by `now` and not sent: (key, kind, when, days left)."""
    if case.status is not Status.HANDLING:
        return []
    sent = {u.key for u in case.urgings}
    due: list[tuple[str, str, datetime, int]] = []
    for key, when, days in policy.reminders(case.reply_due_on):
        if case.armed_at < when <= now and key not in sent:
            due.append((key, "before_deadline", when, days))
    n = 0
    while True:
        key, when, days = policy.overdue_reminder(case.reply_due_on, n)
        if when > now:
            break
        if when > case.armed_at and key not in sent:
            due.append((key, "overdue", when, days))
        n += 1
    return due


def next_check_at(case: Case, policy: Policy) -> datetime | None:
    """The next moment the light may change or a reminder is due (what the sweep waits for)."""
    if case.status is not Status.HANDLING:
        return None
    moments: list[datetime] = []
    if case.light == "green":
        moments.append(policy.yellow_from(case.reply_due_on))
    if case.light != "red":
        moments.append(case.reply_due_at + _ONE_MS)
    sent = {u.key for u in case.urgings}
    moments += [
        when for key, when, _ in policy.reminders(case.reply_due_on) if when > case.armed_at and key not in sent
    ]
    n = 0
    while True:
        key, when, _ = policy.overdue_reminder(case.reply_due_on, n)
        if key not in sent and when > case.armed_at:
            moments.append(when)
            break
        n += 1
        if n > 10_000:  # pragma: no cover - a case overdue for decades
            break
    return min(moments) if moments else None


def observe(case: Case, *, now: datetime, policy: Policy, initial: bool = False) -> Case:
    """Apply the time: change the light, send the reminders that are due (each once)."""
    light, reasons = light_at(case, now, policy)
    after = case
    if light != case.light and not (initial and light == "green"):
        after = _emit(
            replace(after, light=light),
            LightChanged(**facts(after), light=light, previous=case.light, reasons=reasons, changed_at=now),
        )
    elif light != case.light:
        after = replace(after, light=light)
    due = _due_reminders(after, now, policy)
    if due:
        urgings = tuple(Urging(key=k, kind=kind, at=now, days_left=days) for k, kind, _, days in due)  # type: ignore[arg-type]
        after = replace(after, urgings=after.urgings + urgings)
        after = _emit(
            after,
            *(
                CaseUrged(
                    **facts(after), kind=kind, days_left=days, urged_at=now, units=[u.ref() for u in after.units()]
                )
                for _, kind, _, days in due
            ),
        )
    return after


def urge(case: Case, *, note: str, by: str, now: datetime, policy: Policy) -> Case:
    """Staff urge the units by hand (催办)."""
    note = _text(note, code="urging.note_required", what="The note", limit=NOTE_MAX)
    case = observe(_fresh(case), now=now, policy=policy)
    if case.status not in OPEN:
        raise Conflict("case.closed", "The case is closed.", status=case.status.value)
    days = (case.reply_due_on - local_date(now)).days
    urging = Urging(key=f"manual:{uuid.uuid4().hex}", kind="manual", at=now, days_left=days, note=note, by=by)
    after = replace(case, urgings=(*case.urgings, urging))
    return _emit(
        after,
        CaseUrged(
            **facts(after),
            kind="manual",
            days_left=days,
            note=note,
            urged_at=now,
            urged_by=by,
            units=[u.ref() for u in after.units()],
        ),
    )


def set_flag(case: Case, *, level: Literal["none", "weak", "poor"], note: str, now: datetime, policy: Policy) -> Case:
    """Staff judge the handling weak (yellow) or poor (red), or clear the judgement."""
    note = _text(note, code="flag.note_invalid", what="The note", limit=NOTE_MAX, required=level != "none")
    case = observe(_fresh(case), now=now, policy=policy)
    if case.status not in OPEN:
        raise Conflict("case.closed", "The case is closed.", status=case.status.value)
    if case.flag == level and case.flag_note == note:
        return case
    return observe(replace(case, flag=level, flag_note=note, revision=case.revision + 1), now=now, policy=policy)


# --- the units' work ---------------------------------------------------------------------------------


def _handling_unit(case: Case, unit_id: str) -> UnitPart:
    unit = case.unit(unit_id)
    if unit is None:
        raise Forbidden("case.not_your_unit", "Your unit is not on this case.")
    return unit


def _open(case: Case) -> None:
    if case.status not in OPEN:
        raise Conflict("case.closed", "The case is closed.", status=case.status.value)


def _replace_unit(case: Case, unit: UnitPart) -> Case:
    if unit.role == "lead":
        return replace(case, lead=unit)
    return replace(case, co_units=tuple(unit if u.unit_id == unit.unit_id else u for u in case.co_units))


def sign(case: Case, *, unit_id: str, by: str, now: datetime, policy: Policy) -> Case:
    """A unit signs for the case (签收); signing again is a no-op."""
    case = observe(_fresh(case), now=now, policy=policy)
    _open(case)
    unit = _handling_unit(case, unit_id)
    if unit.signed_at is not None:
        return case
    signed = replace(unit, signed_at=now, signed_by=by)
    after = _replace_unit(case, signed)
    return _emit(
        after, CaseSigned(**facts(after), unit=signed.ref(), signed_at=now, signed_by=by, late=now >= case.sign_due_at)
    )


def log_contact(
    case: Case,
    *,
    unit_id: str,
    stage: ContactStage,
    method: ContactMethod,
    held_at: datetime,
    deputy_said: str,
    summary: str,
    by: str,
    now: datetime,
    policy: Policy,
) -> Case:
    """A unit logs a contact with the deputy: stage, method, what the deputy said."""
    deputy_said = _text(deputy_said, code="contact.deputy_said_required", what="What the deputy said", limit=TEXT_MAX)
    summary = _text(summary, code="contact.summary_invalid", what="The summary", limit=TEXT_MAX, required=False)
    if held_at > now:
        raise Invalid("contact.in_future", "A contact is logged after it took place.")
    case = observe(_fresh(case), now=now, policy=policy)
    _open(case)
    unit = _handling_unit(case, unit_id)
    contact = Contact(
        id=uuid.uuid4().hex,
        unit_id=unit.unit_id,
        stage=stage,
        method=method,
        held_at=held_at,
        deputy_said=deputy_said,
        summary=summary,
        round=case.round,
        logged_at=now,
        logged_by=by,
    )
    after = replace(case, contacts=(*case.contacts, contact))
    return _emit(
        after, ContactLogged(**facts(after), unit=unit.ref(), stage=stage, method=method, held_at=held_at, logged_by=by)
    )


def send_opinion(case: Case, *, unit_id: str, text: str, by: str, now: datetime, policy: Policy) -> Case:
    """A co-unit sends its opinion to the lead unit (协办意见); a later one replaces it."""
    text = _text(text, code="opinion.text_required", what="The opinion", limit=TEXT_MAX)
    case = observe(_fresh(case), now=now, policy=policy)
    _open(case)
    unit = _handling_unit(case, unit_id)
    if unit.role != "co":
        raise Forbidden("opinion.co_units_only", "Only a co-unit sends an opinion to the lead unit.")
    sent = replace(unit, opinion=text, opinion_at=now, opinion_by=by)
    after = _replace_unit(case, sent)
    return _emit(after, CoOpinionSent(**facts(after), unit=sent.ref(), sent_at=now, late=now > case.co_opinion_due_at))


@dataclass(frozen=True)
class CommitmentIn:
    text: str
    due_on: date


def reply(
    case: Case,
    *,
    unit_id: str,
    category: Category,
    text: str,
    signed_off_by: str,
    public: bool,
    public_text: str,
    reasons: str,
    commitments: Iterable[CommitmentIn],
    by: str,
    now: datetime,
    policy: Policy,
) -> Case:
    """The lead unit replies: A solved, B being solved (each commitment dated), C for reference (with reasons).

    Refused without a contact with the deputy logged in this round. With review on, the reply waits
    for staff; otherwise it reaches the deputy at once.
    """
    text = _text(text, code="reply.text_required", what="The reply", limit=TEXT_MAX)
    signed_off_by = _text(signed_off_by, code="reply.sign_off_required", what="The leader who signed it off", limit=50)
    public_text = _text(
        public_text, code="reply.public_text_invalid", what="The public text", limit=TEXT_MAX, required=public
    )
    reasons = _text(
        reasons, code="reply.reasons_required", what="The reasons", limit=TEXT_MAX, required=category == "C"
    )
    items = list(commitments)
    if category == "B" and not items:
        raise Invalid("reply.commitments_required", "A B reply lists its commitments, each with a date.")
    if category != "B" and items:
        raise Invalid("reply.commitments_only_b", "Only a B reply has commitments.")
    if len(items) > COMMITMENTS_MAX:
        raise Invalid("reply.commitments_too_many", f"At most {COMMITMENTS_MAX} commitments.")
    today = local_date(now)
    for item in items:
        _text(item.text, code="reply.commitment_text_required", what="A commitment", limit=NOTE_MAX)
        if item.due_on <= today:
            raise Invalid(
                "reply.commitment_date_past", "A commitment's date lies ahead.", due_on=item.due_on.isoformat()
            )
    case = observe(_fresh(case), now=now, policy=policy)
    _open(case)
    unit = _handling_unit(case, unit_id)
    if unit.role != "lead":
        raise Forbidden("reply.lead_unit_only", "Only the lead unit replies to the deputy.")
    if case.status is not Status.HANDLING:
        raise Conflict("reply.not_expected", "The case is not waiting for a reply.", status=case.status.value)
    if not any(c.unit_id == unit_id and c.round == case.round for c in case.contacts):
        raise Conflict(
            "reply.no_contact", "Log a contact with the deputy (收到/办理/答复见面) before replying.", round=case.round
        )
    new = Reply(
        id=uuid.uuid4().hex,
        round=case.round,
        category=category,
        text=text,
        signed_off_by=signed_off_by,
        public=public,
        public_text=public_text,
        reasons=reasons,
        submitted_at=now,
        submitted_by=by,
        state="under_review",
    )
    year = local_date(now).year
    planned = tuple(
        Commitment(id=uuid.uuid4().hex[:12], text=i.text.strip(), due_on=i.due_on, year=year) for i in items
    )
    after = replace(case, replies=(*case.replies, new), status=Status.REPLY_REVIEW, light="none")
    if planned:
        after = replace(after, commitments=planned)
    after = _emit(after, ReplySubmitted(**facts(after), category=category, submitted_at=now, submitted_by=by))
    if not policy.review_replies:
        return _deliver(after, now=now, by="", policy=policy)
    return after


def review(
    case: Case,
    *,
    accept: bool,
    reasons: list[Literal["format", "off_topic", "measures_mismatch", "other"]],
    note: str,
    by: str,
    now: datetime,
    policy: Policy,
) -> Case:
    """Staff check the reply (三对照): it reaches the deputy, or goes back to the unit with the reasons."""
    note = _text(note, code="review.note_invalid", what="The note", limit=NOTE_MAX, required=False)
    if not accept and not reasons:
        raise Invalid("review.reasons_required", "Say why the reply does not meet the standard.")
    case = _fresh(case)
    current = case.current_reply
    if case.status is not Status.REPLY_REVIEW or current is None:
        raise Conflict("review.nothing_to_review", "No reply is waiting for review.", status=case.status.value)
    if accept:
        return _deliver(case, now=now, by=by, policy=policy)
    back = replace(
        current, state="sent_back", reviewed_at=now, reviewed_by=by, review_reasons=tuple(reasons), review_note=note
    )
    replies = tuple(back if r.id == current.id else r for r in case.replies)
    after = replace(case, replies=replies, status=Status.HANDLING, commitments=_kept_commitments(case))
    after = _emit(after, ReplySentBack(**facts(after), reasons=reasons, note=note, sent_back_at=now, sent_back_by=by))
    return observe(replace(after, light="none"), now=now, policy=policy)


def _kept_commitments(case: Case) -> tuple[Commitment, ...]:
    # a sent-back B reply takes its new commitments with it; those of an earlier round stay
    delivered = [r for r in case.replies if r.state == "delivered" and r.category == "B"]
    return case.commitments if delivered else ()


def _deliver(case: Case, *, now: datetime, by: str, policy: Policy) -> Case:
    current = case.current_reply
    assert current is not None
    on_time = current.submitted_at <= case.reply_due_at
    delivered = replace(
        current, state="delivered", reviewed_at=now if by else None, reviewed_by=by, delivered_at=now, on_time=on_time
    )
    replies = tuple(delivered if r.id == current.id else r for r in case.replies)
    after = replace(case, replies=replies, status=Status.REPLIED, light="none")
    if delivered.category == "B" and case.second_reply_due_on is None:
        last = max(c.due_on for c in case.commitments)
        cap = policy.due_date(now, policy.second_reply_months)
        after = replace(after, second_reply_due_on=min(last, cap))
    return _emit(
        after,
        CaseReplied(
            **facts(after),
            category=delivered.category,
            public=delivered.public,
            commitments=[c.ref() for c in after.commitments] if delivered.category == "B" else [],
            submitted_at=delivered.submitted_at,
            replied_at=now,
            on_time=on_time,
        ),
    )


# --- extensions -------------------------------------------------------------------------------------


def request_extension(
    case: Case, *, unit_id: str, reason: str, due_on: date, by: str, now: datetime, policy: Policy
) -> Case:
    """The lead unit asks for more time, with a reason and the date it needs."""
    reason = _text(reason, code="extension.reason_required", what="The reason", limit=NOTE_MAX)
    case = observe(_fresh(case), now=now, policy=policy)
    _open(case)
    unit = _handling_unit(case, unit_id)
    if unit.role != "lead":
        raise Forbidden("extension.lead_unit_only", "Only the lead unit asks for more time.")
    if case.status is not Status.HANDLING:
        raise Conflict("extension.not_handling", "Only a case waiting for its reply can be extended.")
    if due_on <= case.reply_due_on:
        raise Invalid(
            "extension.not_later",
            "Ask for a date after the current deadline.",
            reply_due_on=case.reply_due_on.isoformat(),
        )
    if any(e.state == "pending" for e in case.extensions):
        raise Conflict("extension.pending", "An extension request is waiting for staff already.")
    ext = Extension(id=uuid.uuid4().hex[:12], reason=reason, requested_due_on=due_on, requested_at=now, requested_by=by)
    after = replace(case, extensions=(*case.extensions, ext))
    return _emit(
        after,
        ExtensionRequested(
            **facts(after),
            extension_id=ext.id,
            reason=reason,
            requested_due_on=due_on,
            requested_at=now,
            requested_by=by,
        ),
    )


def decide_extension(
    case: Case,
    *,
    extension_id: str,
    approve: bool,
    due_on: date | None,
    chair_decision: bool,
    note: str,
    by: str,
    now: datetime,
    policy: Policy,
) -> Case:
    """Staff approve (maybe with another date) or refuse; never beyond the cap from assignment unless
    the chair meeting decided."""
    note = _text(note, code="extension.note_invalid", what="The note", limit=NOTE_MAX, required=not approve)
    case = observe(_fresh(case), now=now, policy=policy)
    ext = next((e for e in case.extensions if e.id == extension_id), None)
    if ext is None:
        raise Invalid("extension.not_found", "No such extension request on this case.")
    if ext.state != "pending":
        raise Conflict("extension.decided", "This request was decided already.", state=ext.state)
    previous = case.reply_due_on
    new_due = due_on or ext.requested_due_on
    after = case
    if approve:
        if case.status is not Status.HANDLING:
            raise Conflict("extension.not_handling", "Only a case waiting for its reply can be extended.")
        cap = policy.due_date(case.assigned_at, policy.extension_cap_months)
        if new_due > cap and not chair_decision:
            raise Invalid(
                "extension.beyond_cap",
                f"Not beyond {policy.extension_cap_months} months from assignment unless the chair meeting decides.",
                latest=cap.isoformat(),
            )
        if new_due <= case.reply_due_on:
            raise Invalid("extension.not_later", "The new date must be after the current deadline.")
        after = replace(after, reply_due_on=new_due, armed_at=now)
    decided = replace(
        ext,
        state="approved" if approve else "refused",
        decided_at=now,
        decided_by=by,
        note=note,
        chair_decision=chair_decision,
        requested_due_on=new_due if approve else ext.requested_due_on,
    )
    after = replace(after, extensions=tuple(decided if e.id == ext.id else e for e in case.extensions))
    after = _emit(
        after,
        ExtensionDecided(
            **facts(after),
            extension_id=ext.id,
            approved=approve,
            previous_due_on=previous,
            note=note,
            decided_at=now,
            decided_by=by,
        ),
    )
    return observe(after, now=now, policy=policy)


# --- rating, re-handling, closing -----------------------------------------------------------------------


def rated(
    case: Case,
    *,
    round_: int,
    result: Literal["satisfied", "basically_satisfied", "unsatisfied"],
    rated_at: datetime,
    event_id: str,
    now: datetime,
    policy: Policy,
) -> Case:
    """Evaluation's result of a reply round: close, or re-open for a new round with a new deadline."""
    case = _fresh(case)
    if any(r.event_id == event_id for r in case.ratings):
        return case
    if case.status is not Status.REPLIED or round_ != case.round:
        # a rating of an earlier round, or before the reply: recorded, nothing else changes
        return replace(
            case, ratings=(*case.ratings, Rating(round_, result, rated_at, event_id)), revision=case.revision + 1
        )
    case = replace(case, ratings=(*case.ratings, Rating(round_, result, rated_at, event_id)))
    if result != "unsatisfied":
        return _close(case, reason=result, now=now)
    if case.round > policy.max_rehandling_rounds:
        after = replace(case, status=Status.AT_CHAIR)
        return _emit(after, ReferredToChair(**facts(after), rounds=case.round - 1, referred_at=now))
    previous = case.round
    after = replace(
        case,
        status=Status.HANDLING,
        round=case.round + 1,
        reply_due_on=policy.due_date(now, policy.rehandling_months),
        armed_at=now,
        light="green",
    )
    after = _emit(after, RehandlingStarted(**facts(after), previous_round=previous, started_at=now))
    return observe(after, now=now, policy=policy)


def _close(case: Case, *, reason: Literal["satisfied", "basically_satisfied", "chair_decision"], now: datetime) -> Case:
    last = next((r for r in reversed(case.replies) if r.state == "delivered"), None)
    after = replace(case, status=Status.CLOSED, closed_at=now, close_reason=reason, light="none")
    return _emit(
        after,
        CaseClosed(
            **facts(after),
            reason=reason,
            category=last.category if last else None,
            open_commitments=len(case.open_commitments()),
            closed_at=now,
        ),
    )


def chair_decision(
    case: Case, *, close: bool, due_on: date | None, note: str, by: str, now: datetime, policy: Policy
) -> Case:
    """The chair meeting's final decision on a case re-handled the set number of times: close it, or one
    more round with the date it sets."""
    note = _text(note, code="chair.note_required", what="The decision", limit=NOTE_MAX)
    case = _fresh(case)
    if case.status is not Status.AT_CHAIR:
        raise Conflict("chair.not_referred", "The case is not before the chair meeting.", status=case.status.value)
    if close:
        return _close(case, reason="chair_decision", now=now)
    if due_on is None or due_on <= local_date(now):
        raise Invalid("chair.due_on_required", "Give the date of the new reply.")
    previous = case.round
    after = replace(
        case, status=Status.HANDLING, round=case.round + 1, reply_due_on=due_on, armed_at=now, light="green"
    )
    after = _emit(after, RehandlingStarted(**facts(after), previous_round=previous, started_at=now))
    return observe(after, now=now, policy=policy)


# --- the B ledger ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemProgress:
    commitment_id: str
    done: bool
    note: str = ""


def second_reply(case: Case, *, unit_id: str, text: str, progress: list[ItemProgress], by: str, now: datetime) -> Case:
    """The lead unit's second reply (二次答复) on its B commitments; items done become A."""
    text = _text(text, code="reply.text_required", what="The reply", limit=TEXT_MAX)
    case = _fresh(case)
    unit = _handling_unit(case, unit_id)
    if unit.role != "lead":
        raise Forbidden("reply.lead_unit_only", "Only the lead unit replies to the deputy.")
    if not case.commitments:
        raise Conflict("second_reply.no_commitments", "The case has no B commitments.")
    known = {c.id: c for c in case.commitments}
    unknown = [p.commitment_id for p in progress if p.commitment_id not in known]
    if unknown:
        raise Invalid("second_reply.unknown_commitment", "No such commitment on this case.", ids=unknown)
    done = {p.commitment_id: p for p in progress if p.done}
    commitments = tuple(
        replace(c, state="done", done_at=now, note=done[c.id].note) if c.id in done and c.state == "open" else c
        for c in case.commitments
    )
    became_a = all(c.state == "done" for c in commitments)
    after = replace(
        case, commitments=commitments, second_replied_at=now, second_reply_text=text, became_a=became_a or case.became_a
    )
    return _emit(
        after,
        CommitmentsUpdated(
            **facts(after),
            change="second_reply",
            commitments=[c.ref() for c in commitments],
            became_a=became_a,
            at=now,
            by=by,
        ),
    )


def commitment_done(case: Case, *, commitment_id: str, note: str, by: str, now: datetime) -> Case:
    """Staff record one B item as done (B → A once all are)."""
    note = _text(note, code="commitment.note_invalid", what="The note", limit=NOTE_MAX, required=False)
    case = _fresh(case)
    item = next((c for c in case.commitments if c.id == commitment_id), None)
    if item is None:
        raise Invalid("commitment.not_found", "No such commitment on this case.")
    if item.state != "open":
        return case
    commitments = tuple(
        replace(c, state="done", done_at=now, note=note) if c.id == item.id else c for c in case.commitments
    )
    became_a = all(c.state == "done" for c in commitments)
    after = replace(case, commitments=commitments, became_a=became_a or case.became_a)
    return _emit(
        after,
        CommitmentsUpdated(
            **facts(after), change="done", commitments=[c.ref() for c in commitments], became_a=became_a, at=now, by=by
        ),
    )


def roll_over(case: Case, *, from_year: int, by: str, now: datetime) -> Case:
    """Open B items of `from_year` roll into the next year's ledger (滚动办理)."""
    case = _fresh(case)
    moving = [c for c in case.commitments if c.state == "open" and c.year == from_year]
    if not moving:
        return case
    ids = {c.id for c in moving}
    commitments = tuple(
        replace(c, year=from_year + 1, rolled_from=from_year) if c.id in ids else c for c in case.commitments
    )
    after = replace(case, commitments=commitments)
    return _emit(
        after,
        CommitmentsUpdated(
            **facts(after),
            change="rolled_over",
            commitments=[c.ref() for c in commitments],
            became_a=False,
            at=now,
            by=by,
        ),
    )
