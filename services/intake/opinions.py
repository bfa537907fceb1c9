"""Constituents' opinions recorded at liaison stations (代表联络站), and what became of them. No I/O."""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shared.contracts.envelope import EventData
from shared.contracts.intake import DeputyRef, OpinionRecorded, OpinionTakenUp
from shared.errors import Conflict, Invalid

TEXT_MIN = 10
TEXT_MAX = 10_000
SUMMARY_LEN = 60
# No 0/O, 1/I/L: a constituent reads the code from a slip or over the phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TAKE_UP_NAMESPACE = uuid.UUID("7d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b")


class Channel(StrEnum):
    """How the opinion reached the station."""

    VISIT = "visit"  # 来访
    ONLINE = "online"  # 网上
    HOTLINE = "hotline"  # 热线
    FORUM = "forum"  # 座谈


class OpinionStatus(StrEnum):
    """What became of the opinion."""

    OPEN = "open"
    TAKEN_UP = "taken_up"
    CLOSED = "closed"


@dataclass(frozen=True)
class Constituent:
    """Who raised it; an anonymous constituent leaves no name or contact."""

    anonymous: bool
    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Opinion:
    """A constituent's opinion (选民意见)."""

    id: str
    congress_id: str
    station_id: str
    station_name: str
    text: str
    channel: Channel
    constituent: Constituent
    tracking_code: str
    status: OpinionStatus
    recorded_by: str
    recorded_at: datetime
    revision: int = 1
    suggestion_id: str | None = None
    taken_up_by: DeputyRef | None = None
    taken_up_at: datetime | None = None
    closing_note: str = ""
    events: tuple[EventData, ...] = dataclasses.field(default=(), compare=False)

    @property
    def summary(self) -> str:
        """The first words, for lists and notifications."""
        return self.text if len(self.text) <= SUMMARY_LEN else self.text[:SUMMARY_LEN] + "…"


def tracking_code() -> str:
    """A code the constituent keeps to see what became of their opinion without logging in."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def record(
    *,
    congress_id: str,
    station_id: str,
    station_name: str,
    text: str,
    channel: Channel,
    anonymous: bool,
    name: str,
    phone: str,
    by: str,
    now: datetime,
) -> Opinion:
    """A station records a constituent's opinion."""
    text = text.strip()
    if len(text) < TEXT_MIN:
        raise Invalid("opinion.text_too_short", f"Write at least {TEXT_MIN} characters.")
    if len(text) > TEXT_MAX:
        raise Invalid("opinion.text_too_long", f"At most {TEXT_MAX} characters.")
    if not anonymous and not (name.strip() or phone.strip()):
        raise Invalid("opinion.contact_missing", "Give the constituent's name or phone, or mark the opinion anonymous.")
    constituent = Constituent(anonymous=True) if anonymous else Constituent(False, name.strip(), phone.strip())
    opinion = Opinion(
        id=str(uuid.uuid4()),
        congress_id=congress_id,
        station_id=station_id,
        station_name=station_name.strip(),
        text=text,
        channel=channel,
        constituent=constituent,
        tracking_code=tracking_code(),
        status=OpinionStatus.OPEN,
        recorded_by=by,
        recorded_at=now,
    )
    event = OpinionRecorded(
        opinion_id=opinion.id,
        congress_id=congress_id,
        station_id=station_id,
        station_name=opinion.station_name,
        summary=opinion.summary,
        anonymous=anonymous,
        recorded_at=now,
        constituent_name=constituent.name,
        constituent_phone=constituent.phone,
    )
    return replace(opinion, events=(event,))


def suggestion_id_for(opinion_id: str) -> str:
    """The draft a take-up creates has an id derived from the opinion: a retry finds it, never makes two."""
    return str(uuid.uuid5(TAKE_UP_NAMESPACE, opinion_id))


def take_up(opinion: Opinion, *, deputy: DeputyRef, now: datetime) -> Opinion:
    """A deputy takes the opinion up as a draft suggestion."""
    if opinion.status is OpinionStatus.TAKEN_UP:
        if opinion.taken_up_by is not None and opinion.taken_up_by.id == deputy.id:
            return replace(opinion, events=())
        raise Conflict("opinion.taken_up", "Another deputy has taken this opinion up.")
    if opinion.status is not OpinionStatus.OPEN:
        raise Conflict("opinion.closed", "The opinion is closed.")
    sid = suggestion_id_for(opinion.id)
    taken = replace(
        opinion,
        status=OpinionStatus.TAKEN_UP,
        suggestion_id=sid,
        taken_up_by=deputy,
        taken_up_at=now,
        revision=opinion.revision + 1,
    )
    event = OpinionTakenUp(
        opinion_id=opinion.id,
        congress_id=opinion.congress_id,
        station_id=opinion.station_id,
        deputy=deputy,
        suggestion_id=sid,
        taken_up_at=now,
    )
    return replace(taken, events=(event,))


def close(opinion: Opinion, *, note: str) -> Opinion:
    """The station closes an opinion that needs no suggestion (answered on the spot, referred elsewhere)."""
    if opinion.status is not OpinionStatus.OPEN:
        raise Conflict("opinion.not_open", "Only an open opinion can be closed.")
    if not note.strip():
        raise Invalid("opinion.closing_note_missing", "Say what was done with the opinion.")
    return replace(
        opinion, status=OpinionStatus.CLOSED, closing_note=note.strip(), revision=opinion.revision + 1, events=()
    )
