"""Staff edit their congress's e-mail and SMS templates per event type (Jinja2, checked before stored)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from services.notify.template_store import TemplateStore
from services.notify.templates import DIGEST_SAMPLE, SAMPLE, Template, check, render
from shared.auth import Principal, Role, require
from shared.contracts import registry
from shared.errors import NotFound

router = APIRouter(tags=["templates"])
Channel = Literal["email", "sms"]
EventType = Annotated[str, Path(pattern=r"^[a-z]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$", max_length=100)]


def _store(request: Request) -> TemplateStore:
    store: TemplateStore = request.app.state.templates
    return store


Templates = Annotated[TemplateStore, Depends(_store)]
Editor = Annotated[Principal, Depends(require(Role.STAFF))]


class TemplateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(default="", max_length=200)
    body: str = Field(max_length=10_000)


class TemplatePublic(TemplateBody):
    event_type: str
    channel: Channel
    own: bool  # the congress's own, or the default
    sample_subject: str
    sample_body: str


def _known(event_type: str) -> None:
    if event_type not in {c.event_type for c in registry.all()}:
        raise NotFound("template.event_type_unknown", "No such event type.", event_type=event_type)


def _public(event_type: str, channel: Channel, t: Template, own: bool) -> TemplatePublic:
    subject, body = render(t, {**SAMPLE, "event_type": event_type})
    return TemplatePublic(
        event_type=event_type,
        channel=channel,
        own=own,
        subject=t.subject,
        body=t.body,
        sample_subject=subject,
        sample_body=body,
    )


DIGEST_KEY = "digest"  # the digest's templates are stored under this name instead of an event type


def _digest_public(channel: Channel, t: Template, own: bool) -> TemplatePublic:
    subject, body = render(t, DIGEST_SAMPLE)
    return TemplatePublic(
        event_type=DIGEST_KEY,
        channel=channel,
        own=own,
        subject=t.subject,
        body=t.body,
        sample_subject=subject,
        sample_body=body,
    )


@router.get("/templates/digest/{channel}", summary="The reminder digest's template in force")
async def read_digest_template(channel: Channel, staff: Editor, store: Templates) -> TemplatePublic:
    """The congress's own template of the day's reminder digest (催办汇总), or the default; with a sample.

    Variables: `name` (the person's), `count`, and `items` (each with `subject`, `body`, `link`, `case_id`)."""
    t, own = await store.get(staff.congress_id, DIGEST_KEY, channel)
    return _digest_public(channel, t, own)


@router.put("/templates/digest/{channel}", summary="Set the reminder digest's template")
async def put_digest_template(channel: Channel, body: TemplateBody, staff: Editor, store: Templates) -> TemplatePublic:
    """Replace the congress's digest template; refused (`template.invalid`) unless it renders the sample."""
    t = check(Template(subject=body.subject, body=body.body), channel, DIGEST_SAMPLE)
    await store.put(staff.congress_id, DIGEST_KEY, channel, t, by=staff.subject)
    return _digest_public(channel, t, True)


@router.delete("/templates/digest/{channel}", summary="Back to the default digest template")
async def delete_digest_template(channel: Channel, staff: Editor, store: Templates) -> TemplatePublic:
    """Drop the congress's own digest template; the default applies again."""
    await store.delete(staff.congress_id, DIGEST_KEY, channel)
    t, own = await store.get(staff.congress_id, DIGEST_KEY, channel)
    return _digest_public(channel, t, own)


@router.get("/templates/{event_type}/{channel}", summary="A template in force")
async def read_template(event_type: EventType, channel: Channel, staff: Editor, store: Templates) -> TemplatePublic:
    """The congress's own template for the event type and channel, or the default; with a sample rendering."""
    _known(event_type)
    t, own = await store.get(staff.congress_id, event_type, channel)
    return _public(event_type, channel, t, own)


@router.put("/templates/{event_type}/{channel}", summary="Set a template")
async def put_template(
    event_type: EventType, channel: Channel, body: TemplateBody, staff: Editor, store: Templates
) -> TemplatePublic:
    """Replace the congress's template; refused (`template.invalid`) unless it renders the sample."""
    _known(event_type)
    t = check(Template(subject=body.subject, body=body.body), channel)
    await store.put(staff.congress_id, event_type, channel, t, by=staff.subject)
    return _public(event_type, channel, t, True)


@router.delete("/templates/{event_type}/{channel}", summary="Back to the default template")
async def delete_template(event_type: EventType, channel: Channel, staff: Editor, store: Templates) -> TemplatePublic:
    """Drop the congress's own template; the default applies again."""
    _known(event_type)
    await store.delete(staff.congress_id, event_type, channel)
    t, own = await store.get(staff.congress_id, event_type, channel)
    return _public(event_type, channel, t, own)
