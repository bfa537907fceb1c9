"""Notify's HTTP API: each person's inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.notify.directory import Directory, Preferences
from services.notify.rules import STAFF, unit_recipient
from services.notify.store import InboxStore
from shared.auth import CurrentPrincipal, Principal, Role

router = APIRouter(tags=["inbox"])


def _store(request: Request) -> InboxStore:
    store: InboxStore = request.app.state.store
    return store


StoreDep = Annotated[InboxStore, Depends(_store)]


def recipients(me: Principal) -> list[str]:
    """Whose notifications the caller reads: their own, a unit handler's unit's (`unit:<unit id>`), and a staff
    member's role's (`role:staff`)."""
    mine = [me.subject]
    if me.unit_id and Role.UNIT_HANDLER in me.roles:
        mine.append(unit_recipient(me.unit_id))
    if Role.STAFF in me.roles:
        mine.append(STAFF)
    return mine


class NotificationPublic(BaseModel):
    """A notification as its recipient sees it."""

    id: str
    event_type: str
    case_id: str
    subject: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> NotificationPublic:
        """Build from the stored document."""
        return cls(id=doc["_id"], **{k: doc.get(k) for k in cls.model_fields if k != "id"})


class NotificationsPublic(BaseModel):
    """A page of one's inbox."""

    data: list[NotificationPublic]
    count: int
    unread: int


class UnreadCount(BaseModel):
    """How many are unread."""

    unread: int


@router.get("/inbox", summary="My notifications")
async def my_inbox(
    me: CurrentPrincipal,
    store: StoreDep,
    unread_only: bool = False,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationsPublic:
    """The caller's own inbox (with their unit's, for a unit handler), newest first; nobody reads another's."""
    docs, total = await store.page(me.congress_id, recipients(me), unread_only=unread_only, skip=skip, limit=limit)
    unread = await store.unread_count(me.congress_id, recipients(me))
    return NotificationsPublic(data=[NotificationPublic.of(d) for d in docs], count=total, unread=unread)


@router.get("/inbox/unread-count", summary="How many of my notifications are unread")
async def my_unread_count(me: CurrentPrincipal, store: StoreDep) -> UnreadCount:
    """The caller's unread count."""
    return UnreadCount(unread=await store.unread_count(me.congress_id, recipients(me)))


@router.post("/inbox/{notification_id}/read", summary="Mark one of my notifications read")
async def mark_read(notification_id: str, me: CurrentPrincipal, store: StoreDep) -> NotificationPublic:
    """Mark read; another person's notification is not found."""
    return NotificationPublic.of(await store.mark_read(me.congress_id, recipients(me), notification_id))


class PreferencesBody(BaseModel):
    """A person's channels: e-mail and SMS on or off, and event types muted on them (the inbox gets everything)."""

    model_config = ConfigDict(extra="forbid")

    email: bool = True
    sms: bool = True
    muted: list[Annotated[str, StringConstraints(pattern=r"^[a-z]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$")]] = Field(
        default_factory=list, max_length=100
    )


def _directory(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


DirectoryDep = Annotated[Directory, Depends(_directory)]


@router.get("/preferences", summary="My channels")
async def my_preferences(me: CurrentPrincipal, directory: DirectoryDep) -> PreferencesBody:
    """Whether the caller gets e-mail and SMS, and which event types they muted there."""
    p = await directory.preferences_of(me.congress_id, me.subject)
    return PreferencesBody(email=p.email, sms=p.sms, muted=list(p.muted))


@router.put("/preferences", summary="Set my channels")
async def set_preferences(body: PreferencesBody, me: CurrentPrincipal, directory: DirectoryDep) -> PreferencesBody:
    """The caller's own choices; nobody sets another's."""
    await directory.set_preferences(
        me.congress_id, me.subject, Preferences(email=body.email, sms=body.sms, muted=tuple(sorted(set(body.muted))))
    )
    return body
