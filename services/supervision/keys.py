"""Key supervision (重点督办) of a case. No I/O here.

A case comes under key supervision when evaluation announces the year's selected key suggestions
(`source="selection"`, planned at the selection's moment) or when staff mark it (`source="staff"`).
Its plan names the leader who leads the supervision (领衔督办的领导) and the congress committee that
follows it (对口专门委员会/工作委员会); its log holds the entries of the supervision: one monthly
dispatch (每月调度) per month with the progress in percent, and any number of visits (视察/调研) and
meetings (座谈会/推进会), each with its date, participants and findings.

Rules worth knowing:

- The log is append-only. A month has at most one dispatch: a second one for the same month is refused
  (`key.dispatch_repeated`, 409) rather than replacing the first, so what was reported stays on record;
  later news of that month goes in a visit or meeting entry, or in the next month's dispatch.
- A dispatch is for a month from the plan's month (`key.month_before_plan`) to the current one
  (`key.month_in_future`); a visit's or meeting's date likewise lies between the plan's day and today.
- Months are Asia/Shanghai calendar months. A past month (from the plan's month to the month before the
  current one) without a dispatch is missing; the current month is not missing yet. Once the case is
  closed or cancelled in the ledger, months after the one it ended in are not expected any more.
- The latest progress is that of the entry with a percent whose month is latest (a dispatch's month, a
  visit's or meeting's date), the last recorded one among equals: a late entry for an earlier month
  does not override a later month's figure.

Every change returns a new KeyCase whose `events` the store writes with the change, in one update.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from services.supervision.domain import Case, Status
from shared.contracts.envelope import EventData
from shared.contracts.supervision import KeyCasePlanned, KeyCaseProgressRecorded
from shared.errors import Conflict, Invalid
from shared.workdays import local_date

Source = Literal["selection", "staff"]
EntryKind = Literal["dispatch", "visit", "meeting"]
KINDS: tuple[EntryKind, ...] = ("dispatch", "visit", "meeting")

NAME_MAX = 100  # a lead leader, a committee, a participant
FINDINGS_MAX = 5_000
PARTICIPANTS_MAX = 50
ENTRIES_MAX = 500  # a key case's whole log (keeps the document far below MongoDB's 16 MB)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Entry:
    """One entry of the supervision log: a monthly dispatch, a visit or a meeting."""

    id: str
    kind: EntryKind
    month: str  # YYYY-MM: the month a dispatch reports on; the month of `held_on` for a visit or meeting
    held_on: date | None  # when it took place: required for a visit or meeting, optional for a dispatch
    participants: tuple[str, ...]
    progress_percent: int | None  # required for a dispatch, optional otherwise
    findings: str  # what was done, what was found
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class KeyCase:
    """A case under key supervision: its plan and its log (one per case)."""

    case_id: str
    congress_id: str
    year: int  # the selection's year, or the ledger year of a case staff marked
    number: str
    title: str
    source: Source
    lead_leader: str  # 领衔督办的领导 (a name or an id); empty until planned
    committee: str  # 对口专门委员会 / 工作委员会; empty until planned
    planned_at: datetime  # when the case came under key supervision: the months are counted from it
    planned_by: str  # the staff member who marked it; empty for a selection
    entries: tuple[Entry, ...] = ()
    ballot_id: str | None = None  # the ballot (票决) that selected it, if any
    changed_at: datetime | None = None  # the last change of the plan (leader, committee)
    changed_by: str = ""
    revision: int = 1
    events: tuple[EventData, ...] = ()

    @property
    def start_month(self) -> str:
        return _month_of(local_date(self.planned_at))

    @property
    def planned(self) -> bool:
        """Whether the plan names both its lead leader and its committee."""
        return bool(self.lead_leader and self.committee)

    def dispatch_months(self) -> list[str]:
        return sorted({e.month for e in self.entries if e.kind == "dispatch"})


@dataclass(frozen=True)
class Progress:
    """Where a key case's supervision stands on a day."""

    latest_percent: int | None
    latest_month: str  # the month of the entry `latest_percent` comes from ("" when none)
    entries: int
    dispatches: int
    visits: int
    meetings: int
    start_month: str
    current_month: str
    months_elapsed: tuple[str, ...]  # past months since the plan (those a dispatch is due for)
    months_dispatched: tuple[str, ...]  # months with a dispatch (past and current)
    months_missing: tuple[str, ...]  # past months without a dispatch
    current_dispatched: bool  # the current month has its dispatch already


# --- events ----------------------------------------------------------------------------------------


def _planned_event(key: KeyCase, *, at: datetime, by: str) -> KeyCasePlanned:
    return KeyCasePlanned(
        case_id=key.case_id,
        congress_id=key.congress_id,
        year=key.year,
        number=key.number,
        title=key.title,
        source=key.source,
        lead_leader=key.lead_leader,
        committee=key.committee,
        planned_at=at,
        planned_by=by,
    )


def _recorded_event(key: KeyCase, entry: Entry) -> KeyCaseProgressRecorded:
    return KeyCaseProgressRecorded(
        case_id=key.case_id,
        congress_id=key.congress_id,
        entry_id=entry.id,
        kind=entry.kind,
        month=entry.month if entry.kind == "dispatch" else "",
        progress_percent=entry.progress_percent,
        findings=entry.findings,
        recorded_at=entry.recorded_at,
        recorded_by=entry.recorded_by,
    )


def _emit(key: KeyCase, *events: EventData) -> KeyCase:
    return replace(key, events=key.events + events, revision=key.revision + 1)


# --- checks ----------------------------------------------------------------------------------------


def _name(value: str, *, what: str, code: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise Invalid(f"key.{code}_required", f"The {what} is required.")
    if len(value) > NAME_MAX:
        raise Invalid(f"key.{code}_too_long", f"The {what} is at most {NAME_MAX} characters.", limit=NAME_MAX)
    return value


def _month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year + 1:04d}-01" if mon == 12 else f"{year:04d}-{mon + 1:02d}"


def check_month(value: str) -> str:
    """A YYYY-MM month, or Invalid."""
    value = value.strip()
    if not value:
        raise Invalid("key.entry_month_required", "A monthly dispatch names its month (YYYY-MM).")
    if not _MONTH.match(value):
        raise Invalid("key.entry_month_invalid", "The month is written YYYY-MM, e.g. 2026-04.")
    return value


def _participants(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    names = [" ".join(v.split()) for v in values]
    if any(not n or len(n) > NAME_MAX for n in names):
        raise Invalid("key.participants_invalid", f"Each participant is 1 to {NAME_MAX} characters.", limit=NAME_MAX)
    unique = tuple(dict.fromkeys(names))
    if len(unique) > PARTICIPANTS_MAX:
        raise Invalid("key.participants_invalid", f"At most {PARTICIPANTS_MAX} participants.", limit=PARTICIPANTS_MAX)
    return unique


def _percent(value: int | None, *, required: bool) -> int | None:
    if value is None:
        if required:
            raise Invalid("key.progress_required", "A monthly dispatch reports the progress in percent (0-100).")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise Invalid("key.progress_invalid", "The progress is a whole percent from 0 to 100.")
    return value


def _findings(value: str) -> str:
    value = value.strip()
    if not value:
        raise Invalid("key.findings_required", "Say what was done and what was found.")
    if len(value) > FINDINGS_MAX:
        raise Invalid(
            "key.findings_too_long", f"The findings are at most {FINDINGS_MAX} characters.", limit=FINDINGS_MAX
        )
    return value


# --- planning ----------------------------------------------------------------------------------------


def from_selection(case: Case, *, year: int, selected_at: datetime, ballot_id: str | None = None) -> KeyCase:
    """A case of the year's selected key suggestions comes under key supervision, its plan still to set."""
    key = KeyCase(
        case_id=case.id,
        congress_id=case.congress_id,
        year=year,
        number=case.number,
        title=case.title,
        source="selection",
        lead_leader="",
        committee="",
        planned_at=selected_at,
        planned_by="",
        ballot_id=ballot_id,
    )
    return replace(key, events=(_planned_event(key, at=selected_at, by=""),))


def mark(case: Case, *, lead_leader: str, committee: str, by: str, now: datetime) -> KeyCase:
    """Staff put a ledger case under key supervision with its plan (not a cancelled case)."""
    if case.status is Status.CANCELLED:
        raise Conflict("key.case_cancelled", "The case was cancelled in assignment; it cannot be supervised.")
    key = KeyCase(
        case_id=case.id,
        congress_id=case.congress_id,
        year=case.year,
        number=case.number,
        title=case.title,
        source="staff",
        lead_leader=_name(lead_leader, what="lead leader", code="lead_leader"),
        committee=_name(committee, what="committee", code="committee"),
        planned_at=now,
        planned_by=by,
    )
    return replace(key, events=(_planned_event(key, at=now, by=by),))


def same_plan(key: KeyCase, *, lead_leader: str, committee: str) -> bool:
    """Whether a plan as given (before tidying) is the one the key case has."""
    return (" ".join(lead_leader.split()), " ".join(committee.split())) == (key.lead_leader, key.committee)


def plan(key: KeyCase, *, lead_leader: str, committee: str, by: str, now: datetime) -> KeyCase:
    """Staff set or change the plan; an unchanged plan changes nothing and announces nothing."""
    leader = _name(lead_leader, what="lead leader", code="lead_leader")
    committee_ = _name(committee, what="committee", code="committee")
    if (leader, committee_) == (key.lead_leader, key.committee):
        return key
    after = replace(key, lead_leader=leader, committee=committee_, changed_at=now, changed_by=by)
    return _emit(after, _planned_event(after, at=now, by=by))


# --- the log -----------------------------------------------------------------------------------------


def record(
    key: KeyCase,
    *,
    kind: str,
    findings: str,
    by: str,
    now: datetime,
    month: str = "",
    held_on: date | None = None,
    participants: list[str] | tuple[str, ...] = (),
    progress_percent: int | None = None,
    entry_id: str | None = None,
) -> KeyCase:
    """Add an entry to the log: a monthly dispatch, a visit or a meeting."""
    if kind not in KINDS:
        raise Invalid("key.entry_kind_invalid", "An entry is a dispatch, a visit or a meeting.")
    if len(key.entries) >= ENTRIES_MAX:
        raise Conflict("key.entries_full", f"A key case holds at most {ENTRIES_MAX} entries.", limit=ENTRIES_MAX)
    today = local_date(now)
    start = local_date(key.planned_at)
    if held_on is not None:
        if held_on > today:
            raise Invalid("key.date_in_future", "The entry's date is in the future.")
        if held_on < start:
            raise Invalid("key.date_before_plan", "The entry's date is before the case came under key supervision.")
    dispatch = kind == "dispatch"
    if dispatch:
        month = check_month(month)
        if month > _month_of(today):
            raise Invalid("key.month_in_future", "A dispatch reports on the current month or an earlier one.")
        if month < key.start_month:
            raise Invalid(
                "key.month_before_plan",
                "The month is before the case came under key supervision.",
                start=key.start_month,
            )
    else:
        if month.strip():
            raise Invalid("key.month_only_for_dispatch", "Only a monthly dispatch names a month; give `held_on`.")
        if held_on is None:
            raise Invalid("key.entry_date_required", "A visit or a meeting gives the date it was held on.")
        month = _month_of(held_on)
    people = _participants(participants)
    if not dispatch and not people:
        raise Invalid("key.participants_required", "A visit or a meeting names who took part.")
    percent = _percent(progress_percent, required=dispatch)
    text = _findings(findings)
    if dispatch and month in key.dispatch_months():
        raise Conflict("key.dispatch_repeated", f"The dispatch of {month} is recorded already.", month=month)
    entry = Entry(
        id=entry_id or uuid.uuid4().hex,
        kind=kind,  # narrowed by the check against KINDS above
        month=month,
        held_on=held_on,
        participants=people,
        progress_percent=percent,
        findings=text,
        recorded_at=now,
        recorded_by=by,
    )
    return _emit(replace(key, entries=(*key.entries, entry)), _recorded_event(key, entry))


# --- progress ----------------------------------------------------------------------------------------


def ended_on(case: Case) -> date | None:
    """The day the ledger case ended (closed or cancelled), after which no dispatch is due."""
    if case.status in (Status.CLOSED, Status.CANCELLED) and case.closed_at is not None:
        return local_date(case.closed_at)
    return None


def progress(key: KeyCase, *, today: date, ended: date | None = None) -> Progress:
    """The key case's progress on `today`; `ended` is the day its ledger case ended, if it did."""
    current = _month_of(today)
    until = min(current, _month_of(ended)) if ended is not None else current  # exclusive
    elapsed: list[str] = []
    month = key.start_month
    while month < until:
        elapsed.append(month)
        month = _next_month(month)
    dispatched = key.dispatch_months()
    with_percent = [(e.month, n, e) for n, e in enumerate(key.entries) if e.progress_percent is not None]
    latest = max(with_percent, key=lambda t: (t[0], t[1]))[2] if with_percent else None
    return Progress(
        latest_percent=latest.progress_percent if latest else None,
        latest_month=latest.month if latest else "",
        entries=len(key.entries),
        dispatches=sum(1 for e in key.entries if e.kind == "dispatch"),
        visits=sum(1 for e in key.entries if e.kind == "visit"),
        meetings=sum(1 for e in key.entries if e.kind == "meeting"),
        start_month=key.start_month,
        current_month=current,
        months_elapsed=tuple(elapsed),
        months_dispatched=tuple(dispatched),
        months_missing=tuple(m for m in elapsed if m not in dispatched),
        current_dispatched=current in dispatched,
    )


__all__ = [
    "ENTRIES_MAX",
    "FINDINGS_MAX",
    "KINDS",
    "NAME_MAX",
    "PARTICIPANTS_MAX",
    "Entry",
    "EntryKind",
    "KeyCase",
    "Progress",
    "Source",
    "check_month",
    "ended_on",
    "from_selection",
    "mark",
    "plan",
    "progress",
    "record",
    "same_plan",
]
