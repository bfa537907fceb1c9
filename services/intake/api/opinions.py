"""Liaison stations (代表联络站): constituents' opinions, taken up by deputies as suggestions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from services.intake import domain, opinions
from services.intake.api.deps import DeputyUser, Directory, Suggestions
from services.intake.api.schemas import Strict, SuggestionPublic
from services.intake.domain import Origin, SuggestionKind
from services.intake.opinions import Channel, Opinion, OpinionStatus
from services.intake.store.opinions import OpinionStore
from shared.auth import CurrentPrincipal, Principal, Role, require
from shared.contracts.intake import DeputyRef
from shared.errors import Forbidden, Invalid, NotFound
from shared.tracing import case_scope

router = APIRouter(tags=["liaison stations"])


def _opinions(request: Request) -> OpinionStore:
    store: OpinionStore = request.app.state.opinions
    return store


Opinions = Annotated[OpinionStore, Depends(_opinions)]
StationUser = Annotated[Principal, Depends(require(Role.STATION))]


class OpinionCreate(Strict):
    """What a station records."""

    station_name: str = Field(min_length=1, max_length=100, examples=["城关镇人大代表联络站"])
    text: str = Field(min_length=opinions.TEXT_MIN, max_length=opinions.TEXT_MAX)
    channel: Channel = Channel.VISIT
    anonymous: bool = False
    name: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30, pattern=r"^[0-9+\- ]*$")


class OpinionClose(Strict):
    """What was done with an opinion that needs no suggestion."""

    note: str = Field(min_length=1, max_length=2000)


class TakeUp(Strict):
    """The draft a deputy starts from an opinion; the opinion's text is the draft's body unless given."""

    title: str = Field(default="", max_length=200)
    body: str | None = Field(default=None, max_length=20_000)
    field: str = Field(default="", max_length=20)
    kind: SuggestionKind = SuggestionKind.RECESS


class Outcome(BaseModel):
    """What became of an opinion: the suggestion it became, as far as it has gone."""

    suggestion_id: str | None
    suggestion_status: str | None
    number: str | None
    title: str | None
    taken_up_by: str | None
    closing_note: str


class OpinionPublic(BaseModel):
    """An opinion as the station, staff and deputies see it."""

    id: str
    station_id: str
    station_name: str
    text: str
    channel: Channel
    anonymous: bool
    name: str
    phone: str
    tracking_code: str
    status: OpinionStatus
    recorded_at: datetime
    outcome: Outcome


class OpinionsPublic(BaseModel):
    """A page of opinions."""

    data: list[OpinionPublic]
    count: int


class OpinionTracking(BaseModel):
    """What a constituent sees with their tracking code: no personal data."""

    station_name: str
    recorded_at: datetime
    status: OpinionStatus
    outcome: Outcome


async def _outcome(o: Opinion, suggestions: Suggestions) -> Outcome:
    s = await suggestions.by_opinion(o.id) if o.suggestion_id else None
    public = s is not None and not s.private and not s.confidential
    return Outcome(
        suggestion_id=o.suggestion_id,
        suggestion_status=s.status.value if s else None,
        number=s.number if s else None,
        title=s.title if s and public else None,
        taken_up_by=o.taken_up_by.name if o.taken_up_by else None,
        closing_note=o.closing_note,
    )


async def _public(o: Opinion, suggestions: Suggestions, show_contact: bool) -> OpinionPublic:
    c = o.constituent
    return OpinionPublic(
        id=o.id,
        station_id=o.station_id,
        station_name=o.station_name,
        text=o.text,
        channel=o.channel,
        anonymous=c.anonymous,
        name=c.name if show_contact else "",
        phone=c.phone if show_contact else "",
        tracking_code=o.tracking_code,
        status=o.status,
        recorded_at=o.recorded_at,
        outcome=await _outcome(o, suggestions),
    )


def _may_see_contact(who: Principal, o: Opinion) -> bool:
    if who.has(Role.STAFF):
        return True
    if who.has(Role.STATION) and who.station_id == o.station_id:
        return True
    return o.taken_up_by is not None and o.taken_up_by.id == who.subject


async def _visible(store: OpinionStore, who: Principal, opinion_id: str) -> Opinion:
    o = await store.get(who.congress_id, opinion_id)
    if who.has(Role.STAFF, Role.DEPUTY) or (who.has(Role.STATION) and who.station_id == o.station_id):
        return o
    raise NotFound("opinion.not_found", "No such opinion.")


@router.post("/opinions", status_code=201, summary="Record a constituent's opinion")
async def record_opinion(
    body: OpinionCreate, station: StationUser, store: Opinions, suggestions: Suggestions
) -> OpinionPublic:
    """Station staff record an opinion (visit, online, hotline); the constituent gets a tracking code."""
    if not station.station_id:
        raise Forbidden("station.unknown", "Your token names no liaison station.")
    opinion = opinions.record(
        congress_id=station.congress_id,
        station_id=station.station_id,
        station_name=body.station_name,
        text=body.text,
        channel=body.channel,
        anonymous=body.anonymous,
        name=body.name,
        phone=body.phone,
        by=station.subject,
        now=datetime.now(UTC),
    )
    await store.add(opinion)
    return await _public(opinion, suggestions, True)


@router.get("/opinions", summary="List opinions")
async def list_opinions(
    who: CurrentPrincipal,
    store: Opinions,
    suggestions: Suggestions,
    status: Annotated[OpinionStatus | None, Query()] = None,
    mine: Annotated[bool, Query(description="a deputy's own take-ups")] = False,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OpinionsPublic:
    """A station sees its own; staff and deputies see the congress's (deputies pick open ones to take up)."""
    station_id = None
    if who.has(Role.STATION) and not who.has(Role.STAFF, Role.DEPUTY):
        station_id = who.station_id or "\x00"
    elif not who.has(Role.STAFF, Role.DEPUTY):
        return OpinionsPublic(data=[], count=0)
    items, total = await store.page(
        who.congress_id,
        station_id=station_id,
        status=status.value if status else None,
        taken_by=who.subject if mine else None,
        skip=skip,
        limit=limit,
    )
    return OpinionsPublic(data=[await _public(o, suggestions, _may_see_contact(who, o)) for o in items], count=total)


@router.get("/opinions/{opinion_id}", summary="Read an opinion and what became of it")
async def read_opinion(
    opinion_id: str, who: CurrentPrincipal, store: Opinions, suggestions: Suggestions
) -> OpinionPublic:
    """The opinion and its outcome: the suggestion it became and how far that has gone."""
    o = await _visible(store, who, opinion_id)
    return await _public(o, suggestions, _may_see_contact(who, o))


@router.post("/opinions/{opinion_id}/take-up", status_code=201, summary="Take an opinion up as a draft suggestion")
async def take_up_opinion(
    opinion_id: str, body: TakeUp, me: DeputyUser, store: Opinions, suggestions: Suggestions, directory: Directory
) -> SuggestionPublic:
    """A deputy turns a constituent's opinion into a draft suggestion linked to it; a retry gives the same draft."""
    o = await store.get(me.congress_id, opinion_id)
    deputy = await directory.get_deputy(me.congress_id, me.subject)
    if not deputy.active:
        raise Invalid("deputy.inactive", "Your deputy entry is not active.")
    lead = DeputyRef(id=deputy.id, name=deputy.name, delegation=deputy.delegation)
    taken = opinions.take_up(o, deputy=lead, now=datetime.now(UTC))
    congress = await directory.get_congress(me.congress_id)
    assert taken.suggestion_id is not None
    draft = domain.create_draft(
        congress_id=congress.id,
        session=congress.session,
        lead_deputy=lead,
        title=body.title,
        body=body.body if body.body is not None else o.text,
        field=body.field,
        kind=body.kind,
        origin=Origin.LIAISON_STATION,
        co_signers=[],
        confidential=False,
        now=datetime.now(UTC),
        opinion_id=o.id,
        suggestion_id=taken.suggestion_id,
    )
    with case_scope(draft.id):
        await suggestions.add(draft)  # first the draft: a crash before the next line leaves a findable draft
        if taken.events:
            await store.save(o, taken)
    return SuggestionPublic.of(await suggestions.get(me.congress_id, draft.id))


@router.post("/opinions/{opinion_id}/close", summary="Close an opinion that needs no suggestion")
async def close_opinion(
    opinion_id: str, body: OpinionClose, station: StationUser, store: Opinions, suggestions: Suggestions
) -> OpinionPublic:
    """The station records what was done instead (answered on the spot, referred to a department)."""
    o = await store.get(station.congress_id, opinion_id)
    if o.station_id != station.station_id:
        raise NotFound("opinion.not_found", "No such opinion.")
    closed = opinions.close(o, note=body.note)
    await store.save(o, closed)
    return await _public(closed, suggestions, True)


@router.get("/public/opinions/{tracking_code}", tags=["public"], summary="What became of my opinion")
async def track_opinion(tracking_code: str, store: Opinions, suggestions: Suggestions) -> OpinionTracking:
    """A constituent follows their opinion with its tracking code, without logging in."""
    if len(tracking_code) > 20:
        raise NotFound("opinion.not_found", "No opinion has this tracking code.")
    o = await store.by_code(tracking_code)
    return OpinionTracking(
        station_name=o.station_name, recorded_at=o.recorded_at, status=o.status, outcome=await _outcome(o, suggestions)
    )
