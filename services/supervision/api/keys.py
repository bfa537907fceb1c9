"""Key supervision (重点督办): staff mark cases and set their plans; staff and leaders keep the supervision log
(monthly dispatches, visits, meetings) and follow the progress; a unit on a key case reads it too."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.supervision.api.deps import Cases, Now, Reader, StaffOrLeader, StaffUser, visible
from services.supervision.domain import Case
from services.supervision.keys import Entry, EntryKind, KeyCase, Progress, ended_on, mark, plan, progress, record
from services.supervision.keys import same_plan as _same_plan
from services.supervision.store.keys import KeyStore
from shared.contracts.supervision import Light
from shared.errors import Conflict
from shared.workdays import local_date

router = APIRouter(tags=["key supervision"])


def _keys(request: Request) -> KeyStore:
    store: KeyStore = request.app.state.keys
    return store


Keys = Annotated[KeyStore, Depends(_keys)]


# --- schemas ---------------------------------------------------------------------------------------


class Strict(BaseModel):
    """Request bodies refuse unknown fields; lengths and formats are key supervision's rules (`key.*` codes)."""

    model_config = ConfigDict(extra="forbid")


class PlanIn(Strict):
    """A key case's plan: who leads the supervision and which committee follows it."""

    lead_leader: str = Field(description="领衔督办的领导: a name or an id, ≤ 100 characters", examples=["王副主任"])
    committee: str = Field(description="对口专门委员会/工作委员会, ≤ 100 characters", examples=["城建环保工委"])


class EntryIn(Strict):
    """An entry of the supervision log.

    A `dispatch` (每月调度) names its `month` (YYYY-MM) and the `progress_percent` (0-100); a `visit`
    (视察/调研) or `meeting` (座谈会/推进会) gives `held_on` and its `participants`. Each says in
    `findings` what was done and found (≤ 5000 characters).
    """

    kind: EntryKind
    month: str = Field(default="", examples=["2026-04"])
    held_on: date | None = None
    participants: list[str] = Field(default_factory=list, description="≤ 50, each ≤ 100 characters")
    progress_percent: int | None = None
    findings: str = ""


class EntryPublic(BaseModel):
    """An entry of the log."""

    id: str
    kind: EntryKind
    month: str
    held_on: date | None
    participants: list[str]
    progress_percent: int | None
    findings: str
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, e: Entry) -> EntryPublic:
        return cls(
            id=e.id,
            kind=e.kind,
            month=e.month,
            held_on=e.held_on,
            participants=list(e.participants),
            progress_percent=e.progress_percent,
            findings=e.findings,
            recorded_at=e.recorded_at,
            recorded_by=e.recorded_by,
        )


class ProgressPublic(BaseModel):
    """Where the supervision stands today: a past month without its dispatch is in `months_missing`."""

    latest_percent: int | None
    latest_month: str
    entries: int
    dispatches: int
    visits: int
    meetings: int
    start_month: str
    current_month: str
    months_elapsed: list[str]
    months_dispatched: list[str]
    months_missing: list[str]
    current_dispatched: bool

    @classmethod
    def of(cls, p: Progress) -> ProgressPublic:
        return cls(
            latest_percent=p.latest_percent,
            latest_month=p.latest_month,
            entries=p.entries,
            dispatches=p.dispatches,
            visits=p.visits,
            meetings=p.meetings,
            start_month=p.start_month,
            current_month=p.current_month,
            months_elapsed=list(p.months_elapsed),
            months_dispatched=list(p.months_dispatched),
            months_missing=list(p.months_missing),
            current_dispatched=p.current_dispatched,
        )


class HandlingPublic(BaseModel):
    """The case's handling in the ledger."""

    status: str
    light: Light
    reply_due_on: date
    round: int
    lead_unit_id: str
    lead_unit_name: str
    closed_at: datetime | None

    @classmethod
    def of(cls, c: Case) -> HandlingPublic:
        return cls(
            status=c.status.value,
            light=c.light,
            reply_due_on=c.reply_due_on,
            round=c.round,
            lead_unit_id=c.lead.unit_id,
            lead_unit_name=c.lead.name,
            closed_at=c.closed_at,
        )


class KeyCaseSummary(BaseModel):
    """A key case with its plan, progress and handling (`planned`: the plan names its leader and committee)."""

    case_id: str
    year: int
    number: str
    title: str
    source: Literal["selection", "staff"]
    lead_leader: str
    committee: str
    planned: bool
    planned_at: datetime
    planned_by: str
    ballot_id: str | None
    changed_at: datetime | None
    changed_by: str
    revision: int
    progress: ProgressPublic
    handling: HandlingPublic | None

    @classmethod
    def fields(cls, key: KeyCase, case: Case | None, today: date) -> dict[str, object]:
        ended = ended_on(case) if case is not None else None
        return {
            "case_id": key.case_id,
            "year": key.year,
            "number": key.number,
            "title": key.title,
            "source": key.source,
            "lead_leader": key.lead_leader,
            "committee": key.committee,
            "planned": key.planned,
            "planned_at": key.planned_at,
            "planned_by": key.planned_by,
            "ballot_id": key.ballot_id,
            "changed_at": key.changed_at,
            "changed_by": key.changed_by,
            "revision": key.revision,
            "progress": ProgressPublic.of(progress(key, today=today, ended=ended)),
            "handling": HandlingPublic.of(case) if case is not None else None,
        }

    @classmethod
    def of(cls, key: KeyCase, case: Case | None, today: date) -> KeyCaseSummary:
        return cls.model_validate(cls.fields(key, case, today))


class KeyCasePublic(KeyCaseSummary):
    """A key case with its whole log, in the order recorded."""

    entries: list[EntryPublic]

    @classmethod
    def of(cls, key: KeyCase, case: Case | None, today: date) -> KeyCasePublic:
        return cls.model_validate({**cls.fields(key, case, today), "entries": [EntryPublic.of(e) for e in key.entries]})


class KeyCasesPublic(BaseModel):
    """A page of key cases."""

    data: list[KeyCaseSummary]
    count: int


# --- routes ----------------------------------------------------------------------------------------


@router.post("/key-cases/{case_id}", status_code=201, summary="Put a case under key supervision")
async def mark_key_case(
    case_id: str, body: PlanIn, staff: StaffUser, cases: Cases, keys: Keys, now: Now, response: Response
) -> KeyCasePublic:
    """Staff mark a ledger case as key (重点督办) with its plan: 201. The same request again answers 200 with
    the key case; a case already under key supervision with another plan is refused (`key.already_key`:
    change the plan with `PUT /key-cases/{case_id}/plan`)."""
    case = await cases.get(staff.congress_id, case_id)
    at = now()
    existing = await keys.find(staff.congress_id, case_id)
    if existing is None:
        key = mark(case, lead_leader=body.lead_leader, committee=body.committee, by=staff.subject, now=at)
        if await keys.add(key, traceparent=case.traceparent):
            return KeyCasePublic.of(key, case, local_date(at))
        existing = await keys.get(staff.congress_id, case_id)  # marked meanwhile
    if not _same_plan(existing, lead_leader=body.lead_leader, committee=body.committee):
        raise Conflict(
            "key.already_key",
            "The case is under key supervision already; change its plan with PUT /key-cases/{case_id}/plan.",
            source=existing.source,
        )
    response.status_code = 200
    return KeyCasePublic.of(existing, case, local_date(at))


@router.put("/key-cases/{case_id}/plan", summary="Set a key case's plan")
async def set_plan(case_id: str, body: PlanIn, staff: StaffUser, cases: Cases, keys: Keys, now: Now) -> KeyCasePublic:
    """Staff set or change the lead leader and the committee; an unchanged plan is not written or announced."""
    at = now()
    key = await keys.change(
        staff.congress_id,
        case_id,
        lambda k: plan(k, lead_leader=body.lead_leader, committee=body.committee, by=staff.subject, now=at),
    )
    ledger = await keys.ledger(staff.congress_id, [case_id])
    return KeyCasePublic.of(key, ledger.get(case_id), local_date(at))


@router.post("/key-cases/{case_id}/entries", status_code=201, summary="Record a dispatch, a visit or a meeting")
async def add_entry(case_id: str, body: EntryIn, who: StaffOrLeader, keys: Keys, now: Now) -> KeyCasePublic:
    """Staff or a leader add an entry to the log; the answer is the key case with the entry last.

    One dispatch per month, from the plan's month to the current one (`key.dispatch_repeated`,
    `key.month_before_plan`, `key.month_in_future`); the log is never rewritten.
    """
    at = now()
    key = await keys.change(
        who.congress_id,
        case_id,
        lambda k: record(
            k,
            kind=body.kind,
            month=body.month,
            held_on=body.held_on,
            participants=body.participants,
            progress_percent=body.progress_percent,
            findings=body.findings,
            by=who.subject,
            now=at,
        ),
    )
    ledger = await keys.ledger(who.congress_id, [case_id])
    return KeyCasePublic.of(key, ledger.get(case_id), local_date(at))


@router.get("/key-cases", summary="List key cases with their progress")
async def list_key_cases(
    who: StaffOrLeader,
    keys: Keys,
    now: Now,
    year: Annotated[int | None, Query(ge=1949, le=9999)] = None,
    lead_leader: Annotated[str | None, Query(max_length=100)] = None,
    committee: Annotated[str | None, Query(max_length=100)] = None,
    source: Annotated[Literal["selection", "staff"] | None, Query()] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> KeyCasesPublic:
    """The congress's key cases by year and number, each with its progress and its handling in the ledger
    (without the log: read one key case for it)."""
    items, total = await keys.page(
        who.congress_id, year=year, lead_leader=lead_leader, committee=committee, source=source, skip=skip, limit=limit
    )
    ledger = await keys.ledger(who.congress_id, [k.case_id for k in items])
    today = local_date(now())
    return KeyCasesPublic(data=[KeyCaseSummary.of(k, ledger.get(k.case_id), today) for k in items], count=total)


@router.get("/key-cases/{case_id}", summary="Read a key case")
async def read_key_case(case_id: str, who: Reader, cases: Cases, keys: Keys, now: Now) -> KeyCasePublic:
    """Staff and leaders read any key case of the congress; a unit handler one whose case their unit is on."""
    case = visible(who, await cases.get(who.congress_id, case_id))
    key = await keys.get(who.congress_id, case_id)
    return KeyCasePublic.of(key, case, local_date(now()))
