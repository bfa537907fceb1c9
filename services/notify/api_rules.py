"""Staff set who their congress tells about what (the rule table), and when the day's reminder digest goes out."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from services.notify.rule_store import RuleStore
from services.notify.ruletable import AUDIENCES, Send, Table, check, check_time
from shared.auth import Principal, Role, require
from shared.errors import NotFound

router = APIRouter(tags=["rules"])
EventType = Annotated[str, Path(pattern=r"^[a-z]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$", max_length=100)]
ChannelName = Literal["inbox", "email", "sms"]


def _store(request: Request) -> RuleStore:
    store: RuleStore = request.app.state.rules
    return store


Rules = Annotated[RuleStore, Depends(_store)]
Staff = Annotated[Principal, Depends(require(Role.STAFF, Role.ADMIN))]


class RecipientLine(BaseModel):
    """One audience of an event type: on which channels it is told, and whether its reminders are gathered."""

    model_config = ConfigDict(extra="forbid")

    audience: str = Field(min_length=1, max_length=40)
    channels: list[ChannelName] = Field(min_length=1, max_length=3)
    digest: bool = False


class RuleBody(BaseModel):
    """A congress's line for one event type: the audiences told (none: nobody)."""

    model_config = ConfigDict(extra="forbid")

    recipients: list[RecipientLine] = Field(max_length=20)


class RulePublic(BaseModel):
    """The line in force for one event type."""

    event_type: str
    own: bool  # the congress's own line, or the default
    recipients: list[RecipientLine]
    audiences: dict[str, str]  # every audience this event type can tell, and who that is


class TablePublic(BaseModel):
    """A congress's whole rule table in force."""

    digest_time: str
    rules: list[RulePublic]


class DigestBody(BaseModel):
    """When the day's reminder digest goes out (local time, HH:MM)."""

    model_config = ConfigDict(extra="forbid")

    time: str = Field(max_length=5)


def _public(t: Table, event_type: str) -> RulePublic:
    return RulePublic(
        event_type=event_type,
        own=event_type in t.own,
        recipients=[
            RecipientLine(audience=s.audience, channels=list(s.channels), digest=s.digest)
            for s in t.lines.get(event_type, ())
        ],
        audiences=AUDIENCES[event_type],
    )


def _known(event_type: str) -> None:
    if event_type not in AUDIENCES:
        raise NotFound(
            "rule.event_type_unknown", "Notify has no rule for this event type.", event_types=sorted(AUDIENCES)
        )


@router.get("/rules", summary="The rule table in force")
async def read_table(staff: Staff, store: Rules) -> TablePublic:
    """Every event type notify tells people about: who is told, on which channels, and the digest time."""
    t = await store.table(staff.congress_id)
    return TablePublic(digest_time=t.digest_time, rules=[_public(t, e) for e in AUDIENCES])


@router.get("/rules/{event_type}", summary="One line of the rule table")
async def read_rule(event_type: EventType, staff: Staff, store: Rules) -> RulePublic:
    """Who is told about this event type, on which channels."""
    _known(event_type)
    return _public(await store.table(staff.congress_id), event_type)


@router.put("/rules/{event_type}", summary="Set who is told about an event type")
async def put_rule(event_type: EventType, body: RuleBody, staff: Staff, store: Rules) -> RulePublic:
    """Replace the congress's line for this event type; refused whole, with nothing written, if any audience,
    channel or digest is not possible for it."""
    _known(event_type)
    sends = check(event_type, [Send(r.audience, tuple(r.channels), r.digest) for r in body.recipients])
    await store.put(staff.congress_id, event_type, sends, by=staff.subject)
    return _public(await store.table(staff.congress_id), event_type)


@router.delete("/rules/{event_type}", summary="Back to the default line")
async def delete_rule(event_type: EventType, staff: Staff, store: Rules) -> RulePublic:
    """Drop the congress's own line; the default applies again."""
    _known(event_type)
    await store.delete(staff.congress_id, event_type)
    return _public(await store.table(staff.congress_id), event_type)


@router.get("/digest", summary="When the day's reminder digest goes out")
async def read_digest(staff: Staff, store: Rules) -> DigestBody:
    return DigestBody(time=(await store.table(staff.congress_id)).digest_time)


@router.put("/digest", summary="Set when the day's reminder digest goes out")
async def put_digest(body: DigestBody, staff: Staff, store: Rules) -> DigestBody:
    """Local time HH:MM; reminders arriving after it wait for the next day's digest (the inbox has them at once)."""
    await store.set_digest_time(staff.congress_id, check_time(body.time), by=staff.subject)
    return body
