"""The rules of a suggestion before it is handed out: draft, co-signing, submission, review,
return and resubmission, withdrawal, registration, merging and passing up. No I/O here.

Every rule returns a new Suggestion carrying the events it caused in `events`; the store writes
the state and the events in one single-document update.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.intake.checks import Finding, blocking, check_content
from shared.contracts.envelope import EventData
from shared.contracts.intake import (
    DeputyRef,
    SuggestionCoSigningRequested,
    SuggestionPassedUp,
    SuggestionRegistered,
    SuggestionResubmitted,
    SuggestionReturned,
    SuggestionsMerged,
    SuggestionSubmitted,
    SuggestionWithdrawn,
    TransferReceived,
)
from shared.errors import Conflict, Forbidden, Invalid

CO_SIGNERS_MAX = 200
MERGE_MAX = 50


class SuggestionStatus(StrEnum):
    """Where a suggestion stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    REGISTERED = "registered"
    MERGED = "merged"
    PASSED_UP = "passed_up"
    WITHDRAWN = "withdrawn"


EDITABLE = (SuggestionStatus.DRAFT, SuggestionStatus.RETURNED)
WITHDRAWABLE = (SuggestionStatus.DRAFT, SuggestionStatus.SUBMITTED, SuggestionStatus.RETURNED)


class SuggestionKind(StrEnum):
    """When it was raised: during the session (大会期间) or in recess (闭会期间)."""

    SESSION = "session"
    RECESS = "recess"


class Origin(StrEnum):
    """Where it came from."""

    DEPUTY = "deputy"
    LIAISON_STATION = "liaison_station"
    DEPUTIES_FORUM = "deputies_forum"
    MOTION = "motion"
    LOWER_CONGRESS = "lower_congress"


class ReturnReason(StrEnum):
    """Why staff return a suggestion (退回)."""

    FORMAT = "format"  # 格式不规范
    TOO_BROAD = "too_broad"  # 内容宽泛
    DUPLICATE = "duplicate"  # 内容雷同
    OUT_OF_SCOPE = "out_of_scope"  # 不属于建议范围


class CoSignStatus(StrEnum):
    """A co-signer's answer."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


@dataclass(frozen=True)
class CoSigner:
    """A deputy asked to co-sign (附议代表) and their answer."""

    id: str
    name: str
    delegation: str = ""
    status: CoSignStatus = CoSignStatus.PENDING
    responded_at: datetime | None = None

    def ref(self) -> DeputyRef:
        """As events name a deputy."""
        return DeputyRef(id=self.id, name=self.name, delegation=self.delegation)


@dataclass(frozen=True)
class Version:
    """What was submitted, each time it was submitted; every version is kept."""

    number: int
    title: str
    body: str
    field: str
    kind: str
    co_signers: tuple[str, ...]
    submitted_at: datetime


@dataclass(frozen=True)
class ReturnNote:
    """Staff's reason for returning a version."""

    version: int
    reason_code: ReturnReason
    text: str
    by: str
    at: datetime


@dataclass(frozen=True)
class TransferRef:
    """The lower congress's suggestion this one was passed up from."""

    congress_id: str
    suggestion_id: str
    number: str


@dataclass(frozen=True)
class PassUp:
    """Where a suggestion went when it was passed up, and what it became there."""

    to_congress_id: str
    note: str
    by: str
    at: datetime
    received_as: str | None = None


@dataclass(frozen=True)
class Suggestion:
    """A deputy's suggestion (建议)."""

    id: str
    congress_id: str
    session: str
    title: str
    body: str
    field: str
    kind: SuggestionKind
    origin: Origin
    lead_deputy: DeputyRef
    co_signers: tuple[CoSigner, ...]
    confidential: bool
    status: SuggestionStatus
    created_at: datetime
    revision: int = 1  # bumped by every change: optimistic concurrency
    versions: tuple[Version, ...] = ()
    returns: tuple[ReturnNote, ...] = ()
    number: str | None = None
    sequence: int | None = None
    registered_at: datetime | None = None
    registered_by: str | None = None
    merged_into: str | None = None
    merged: tuple[str, ...] = ()
    merged_authors: tuple[DeputyRef, ...] = ()
    opinion_id: str | None = None
    transfer_from: TransferRef | None = None
    passed_up: PassUp | None = None
    events: tuple[EventData, ...] = dataclasses.field(default=(), compare=False)

    @property
    def submitted_at(self) -> datetime | None:
        """When the first version was submitted."""
        return self.versions[0].submitted_at if self.versions else None

    @property
    def private(self) -> bool:
        """Only its deputies know of it: a draft, or one withdrawn before it was ever submitted."""
        return self.status is SuggestionStatus.DRAFT or (
            self.status is SuggestionStatus.WITHDRAWN and not self.versions
        )

    def signers(self) -> tuple[CoSigner, ...]:
        """Co-signers who have not declined."""
        return tuple(c for c in self.co_signers if c.status is not CoSignStatus.DECLINED)

    def authors(self) -> list[DeputyRef]:
        """Every deputy who is an author: lead, confirmed co-signers, and the authors of merged suggestions."""
        out: dict[str, DeputyRef] = {self.lead_deputy.id: self.lead_deputy}
        for c in self.co_signers:
            if c.status is CoSignStatus.CONFIRMED:
                out.setdefault(c.id, c.ref())
        for a in self.merged_authors:
            out.setdefault(a.id, a)
        return list(out.values())

    def can_read(self, deputy_id: str) -> bool:
        """A deputy reads what they lead, were asked to co-sign (a decliner may change their mind), or wrote."""
        return (
            deputy_id == self.lead_deputy.id
            or any(c.id == deputy_id for c in self.co_signers)
            or any(a.id == deputy_id for a in self.merged_authors)
        )


def create_draft(
    *,
    congress_id: str,
    session: str,
    lead_deputy: DeputyRef,
    title: str,
    body: str,
    field: str,
    kind: SuggestionKind,
    origin: Origin,
    co_signers: list[DeputyRef],
    confidential: bool,
    now: datetime,
    opinion_id: str | None = None,
    suggestion_id: str | None = None,
) -> Suggestion:
    """A deputy starts a draft; co-signers named in it are asked to confirm."""
    draft = Suggestion(
        id=suggestion_id or str(uuid.uuid4()),
        congress_id=congress_id,
        session=session,
        title=title.strip(),
        body=body.strip(),
        field=field.strip(),
        kind=kind,
        origin=origin,
        lead_deputy=lead_deputy,
        co_signers=_co_signers(lead_deputy, co_signers, (), reset=False),
        confidential=confidential,
        status=SuggestionStatus.DRAFT,
        created_at=now,
        opinion_id=opinion_id,
    )
    return _with_requests(draft, ())


def edit(
    s: Suggestion,
    *,
    by: str,
    title: str | None = None,
    body: str | None = None,
    field: str | None = None,
    kind: SuggestionKind | None = None,
    co_signers: list[DeputyRef] | None = None,
    confidential: bool | None = None,
) -> Suggestion:
    """The lead deputy edits a draft or a returned suggestion.

    A change of text, field or kind asks every co-signer to confirm again: they signed other words.
    """
    _lead_only(s, by)
    if s.status not in EDITABLE:
        raise Conflict("suggestion.not_editable", "Only a draft or a returned suggestion can be edited.")
    new_title = s.title if title is None else title.strip()
    new_body = s.body if body is None else body.strip()
    new_field = s.field if field is None else field.strip()
    new_kind = s.kind if kind is None else kind
    content_changed = (new_title, new_body, new_field, new_kind) != (s.title, s.body, s.field, s.kind)
    requested = co_signers if co_signers is not None else [c.ref() for c in s.co_signers]
    signers = _co_signers(s.lead_deputy, requested, s.co_signers, reset=content_changed)
    edited = replace(
        s,
        title=new_title,
        body=new_body,
        field=new_field,
        kind=new_kind,
        co_signers=signers,
        confidential=s.confidential if confidential is None else confidential,
        revision=s.revision + 1,
    )
    return _with_requests(edited, s.co_signers)


def respond_co_signing(s: Suggestion, *, deputy_id: str, confirm: bool, now: datetime) -> Suggestion:
    """A co-signer confirms or declines; they may change their mind until the suggestion is submitted."""
    if not any(c.id == deputy_id for c in s.co_signers):
        raise Forbidden("co_signing.not_asked", "You were not asked to co-sign this suggestion.")
    if s.status not in EDITABLE:
        raise Conflict("co_signing.closed", "The suggestion is submitted; co-signing is closed.")
    status = CoSignStatus.CONFIRMED if confirm else CoSignStatus.DECLINED
    signers = tuple(replace(c, status=status, responded_at=now) if c.id == deputy_id else c for c in s.co_signers)
    return replace(s, co_signers=signers, revision=s.revision + 1, events=())


def findings(s: Suggestion, allowed_fields: tuple[str, ...]) -> list[Finding]:
    """The automatic checks on the suggestion as it stands."""
    return check_content(title=s.title, body=s.body, field=s.field, kind=s.kind.value, allowed_fields=allowed_fields)


def submit(s: Suggestion, *, by: str, now: datetime, allowed_fields: tuple[str, ...]) -> Suggestion:
    """The lead deputy submits (or, after a return, resubmits): checks must pass and co-signers must have answered."""
    _lead_only(s, by)
    if s.status not in EDITABLE:
        raise Conflict("suggestion.not_submittable", "Only a draft or a returned suggestion can be submitted.")
    errors = blocking(findings(s, allowed_fields))
    if errors:
        raise Invalid(
            "suggestion.checks_failed",
            "The suggestion does not pass the checks.",
            findings=[dataclasses.asdict(f) for f in errors],
        )
    pending = [c.id for c in s.co_signers if c.status is CoSignStatus.PENDING]
    if pending:
        raise Conflict("suggestion.co_signers_pending", "Some co-signers have not confirmed yet.", pending=pending)
    version = Version(
        number=len(s.versions) + 1,
        title=s.title,
        body=s.body,
        field=s.field,
        kind=s.kind.value,
        co_signers=tuple(c.id for c in s.signers()),
        submitted_at=now,
    )
    submitted = replace(s, status=SuggestionStatus.SUBMITTED, versions=(*s.versions, version), revision=s.revision + 1)
    event: EventData
    if s.status is SuggestionStatus.RETURNED:
        event = SuggestionResubmitted(**facts(submitted), submitted_at=now)
    else:
        event = SuggestionSubmitted(**facts(submitted), submitted_at=now)
    return replace(submitted, events=(event,))


def return_to_deputy(s: Suggestion, *, by: str, reason: ReturnReason, text: str, now: datetime) -> Suggestion:
    """Staff return a submitted suggestion with a reason code and a text (退回)."""
    if s.status is not SuggestionStatus.SUBMITTED:
        raise Conflict("suggestion.not_returnable", "Only a submitted suggestion can be returned.")
    if s.transfer_from is not None:
        raise Conflict(
            "suggestion.transferred_not_returnable",
            "A suggestion passed up from a lower congress cannot be returned to its deputy; handle or merge it.",
        )
    if not text.strip():
        raise Invalid("suggestion.return_text_missing", "Say why the suggestion is returned.")
    note = ReturnNote(version=len(s.versions), reason_code=reason, text=text.strip(), by=by, at=now)
    returned = replace(s, status=SuggestionStatus.RETURNED, returns=(*s.returns, note), revision=s.revision + 1)
    event = SuggestionReturned(
        **facts(returned), reason_code=reason.value, reason_text=note.text, returned_at=now, returned_by=by
    )
    return replace(returned, events=(event,))


def withdraw(s: Suggestion, *, by: str, now: datetime) -> Suggestion:
    """The lead deputy withdraws before registration."""
    _lead_only(s, by)
    if s.status not in WITHDRAWABLE:
        raise Conflict("suggestion.not_withdrawable", "A suggestion can be withdrawn only before registration.")
    withdrawn = replace(s, status=SuggestionStatus.WITHDRAWN, revision=s.revision + 1)
    events: tuple[EventData, ...] = ()
    if s.versions:  # others only knew of it once it was submitted
        events = (SuggestionWithdrawn(**facts(withdrawn), withdrawn_at=now),)
    return replace(withdrawn, events=events)


def format_number(session: str, sequence: int) -> str:
    """The registration number shown to people: session code and a zero-padded sequence."""
    return f"{session}-{sequence:04d}"


def register(s: Suggestion, *, sequence: int, by: str, now: datetime) -> Suggestion:
    """Staff register a submitted suggestion under the next number of its congress and session (登记)."""
    if s.status is SuggestionStatus.REGISTERED:
        raise Conflict("suggestion.already_registered", "The suggestion is registered already.", number=s.number)
    if s.status is not SuggestionStatus.SUBMITTED:
        raise Conflict("suggestion.not_registrable", "Only a submitted suggestion can be registered.")
    if sequence < 1:
        raise Invalid("suggestion.sequence_invalid", "Sequences start at 1.")
    number = format_number(s.session, sequence)
    registered = replace(
        s,
        status=SuggestionStatus.REGISTERED,
        number=number,
        sequence=sequence,
        registered_at=now,
        registered_by=by,
        revision=s.revision + 1,
    )
    event = SuggestionRegistered(
        **{**facts(registered), "number": number},
        body=registered.body,
        sequence=sequence,
        registered_at=now,
        registered_by=by,
    )
    return replace(registered, events=(event,))


def merge(primary: Suggestion, others: list[Suggestion], *, by: str, now: datetime) -> Suggestion:
    """Staff merge registered suggestions into `primary` for handling (并案); every deputy stays an author."""
    if not others:
        raise Invalid("merge.nothing_to_merge", "Name at least one suggestion to merge.")
    if len(others) > MERGE_MAX:
        raise Invalid("merge.too_many", f"At most {MERGE_MAX} suggestions at once.")
    for s in [primary, *others]:
        if s.status is not SuggestionStatus.REGISTERED:
            raise Conflict("merge.not_registered", "Only registered suggestions can be merged.", suggestion_id=s.id)
    if any(o.id == primary.id for o in others):
        raise Invalid("merge.into_itself", "A suggestion cannot be merged into itself.")
    if any((o.congress_id, o.session) != (primary.congress_id, primary.session) for o in others):
        raise Invalid("merge.other_session", "Only suggestions of the same congress and session can be merged.")
    authors: dict[str, DeputyRef] = {a.id: a for a in primary.authors()}
    for o in others:
        for a in o.authors():
            authors.setdefault(a.id, a)
    own = {a.id for a in primary.authors()}
    merged = replace(
        primary,
        merged=(*primary.merged, *(o.id for o in others)),
        merged_authors=(*primary.merged_authors, *(a for a in authors.values() if a.id not in own)),
        revision=primary.revision + 1,
    )
    event = SuggestionsMerged(
        **facts(merged),
        merged=[o.id for o in others],
        merged_numbers=[o.number or "" for o in others],
        authors=merged.authors(),
        merged_at=now,
        merged_by=by,
    )
    return replace(merged, events=(event,))


def absorbed(other: Suggestion, *, into: str) -> Suggestion:
    """A suggestion merged into another: it is handled as that case from now on."""
    if other.status is SuggestionStatus.MERGED and other.merged_into == into:
        return replace(other, events=())
    if other.status is not SuggestionStatus.REGISTERED:
        raise Conflict("merge.not_registered", "Only registered suggestions can be merged.", suggestion_id=other.id)
    return replace(other, status=SuggestionStatus.MERGED, merged_into=into, revision=other.revision + 1, events=())


def pass_up(s: Suggestion, *, to_congress_id: str | None, by: str, note: str, now: datetime) -> Suggestion:
    """Staff of a lower congress send a registered suggestion to the parent congress (转报)."""
    if to_congress_id is None:
        raise Conflict("pass_up.no_parent", "This congress has no parent congress to pass suggestions up to.")
    if s.status is not SuggestionStatus.REGISTERED:
        raise Conflict("pass_up.not_registered", "Only a registered suggestion can be passed up.")
    passed = replace(
        s,
        status=SuggestionStatus.PASSED_UP,
        passed_up=PassUp(to_congress_id=to_congress_id, note=note.strip(), by=by, at=now),
        revision=s.revision + 1,
    )
    event = SuggestionPassedUp(
        **facts(passed),
        to_congress_id=to_congress_id,
        body=s.body,
        authors=passed.authors(),
        note=note.strip(),
        passed_up_at=now,
        passed_up_by=by,
    )
    return replace(passed, events=(event,))


def receive_transfer(event: SuggestionPassedUp, *, session: str, now: datetime, new_id: str) -> Suggestion:
    """The parent congress's own case for a suggestion passed up to it; it awaits the parent's review."""
    version = Version(
        number=1,
        title=event.title,
        body=event.body,
        field=event.field,
        kind=event.kind,
        co_signers=tuple(c.id for c in event.co_signers),
        submitted_at=now,
    )
    received = Suggestion(
        id=new_id,
        congress_id=event.to_congress_id,
        session=session,
        title=event.title,
        body=event.body,
        field=event.field,
        kind=SuggestionKind(event.kind),
        origin=Origin.LOWER_CONGRESS,
        lead_deputy=event.lead_deputy,
        co_signers=tuple(
            CoSigner(id=c.id, name=c.name, delegation=c.delegation, status=CoSignStatus.CONFIRMED)
            for c in event.co_signers
        ),
        confidential=event.confidential,
        status=SuggestionStatus.SUBMITTED,
        created_at=now,
        versions=(version,),
        merged_authors=tuple(
            a for a in event.authors if a.id != event.lead_deputy.id and all(a.id != c.id for c in event.co_signers)
        ),
        transfer_from=TransferRef(
            congress_id=event.congress_id, suggestion_id=event.suggestion_id, number=event.number or ""
        ),
    )
    notice = TransferReceived(
        **facts(received),
        original_congress_id=event.congress_id,
        original_suggestion_id=event.suggestion_id,
        original_number=event.number or "",
        received_at=now,
    )
    return replace(received, events=(notice,))


def facts(s: Suggestion) -> dict[str, object]:
    """The facts every suggestion event carries."""
    return {
        "suggestion_id": s.id,
        "congress_id": s.congress_id,
        "session": s.session,
        "title": s.title,
        "field": s.field,
        "kind": s.kind.value,
        "origin": s.origin.value,
        "lead_deputy": s.lead_deputy,
        "co_signers": [c.ref() for c in s.signers()],
        "confidential": s.confidential,
        "number": s.number,
        "version": len(s.versions),
        "opinion_id": s.opinion_id,
    }


def _lead_only(s: Suggestion, by: str) -> None:
    if by != s.lead_deputy.id:
        raise Forbidden("suggestion.lead_only", "Only the lead deputy may do this.")


def _co_signers(
    lead: DeputyRef, requested: list[DeputyRef], current: tuple[CoSigner, ...], *, reset: bool
) -> tuple[CoSigner, ...]:
    known = {c.id: c for c in current}
    out: dict[str, CoSigner] = {}
    for ref in requested:
        if ref.id == lead.id or ref.id in out:
            continue
        before = known.get(ref.id)
        if before is None:
            out[ref.id] = CoSigner(id=ref.id, name=ref.name, delegation=ref.delegation)
        elif reset and before.status is CoSignStatus.CONFIRMED:
            out[ref.id] = replace(before, status=CoSignStatus.PENDING, responded_at=None)
        else:
            out[ref.id] = before
    if len(out) > CO_SIGNERS_MAX:
        raise Invalid("suggestion.too_many_co_signers", f"At most {CO_SIGNERS_MAX} co-signers.")
    return tuple(out.values())


def _with_requests(s: Suggestion, before: tuple[CoSigner, ...]) -> Suggestion:
    was_pending = {c.id for c in before if c.status is CoSignStatus.PENDING}
    newly = [c.ref() for c in s.co_signers if c.status is CoSignStatus.PENDING and c.id not in was_pending]
    if not newly:
        return replace(s, events=())
    return replace(s, events=(SuggestionCoSigningRequested(**facts(s), requested=newly),))
