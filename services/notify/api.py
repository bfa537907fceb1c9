"""Notify's HTTP API: each person's inbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.notify.directory import Directory, Preferences
from services.notify.rules import STAFF, unit_recipient
from services.notify.store import InboxStore
from shared.auth import CurrentPrincipal, Principal, Role
from shared.errors import Conflict, Forbidden

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


class ContactBody(BaseModel):
    """How notify reaches a staff member or leader by e-mail and SMS (deputies and unit contacts come from the
    directories of intake and assignment)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str = Field(default="", max_length=30, pattern=r"^[0-9+\- ]*$")


SELF_SERVICE = (Role.STAFF, Role.LEADER, Role.ADMIN)


@router.get("/contact", summary="My contact details (staff and leaders)")
async def my_contact(me: CurrentPrincipal, directory: DirectoryDep) -> ContactBody:
    """What the caller entered; empty if nothing yet."""
    doc = await directory.own_contact(me.congress_id, me.subject)
    if doc is None:
        return ContactBody()
    return ContactBody(name=doc.get("name", ""), email=doc.get("email", ""), phone=doc.get("phone", ""))


@router.put("/contact", summary="Set my contact details (staff and leaders)")
async def set_my_contact(body: ContactBody, me: CurrentPrincipal, directory: DirectoryDep) -> ContactBody:
    """A staff member or leader says where their e-mails and texts go; with the `staff` role they then also get
    what the rule table sends to staff on e-mail and SMS. Deputies and unit contacts are kept by intake's and
    assignment's directories (`contact.managed_elsewhere`)."""
    if not me.has(*SELF_SERVICE):
        raise Forbidden("contact.role_not_allowed", "Only staff and leaders enter their own contact details.")
    if (
        Role.DEPUTY in me.roles
        or Role.UNIT_HANDLER in me.roles
        or (
            await directory.person(me.congress_id, me.subject) is not None
            and await directory.own_contact(me.congress_id, me.subject) is None
        )
    ):
        raise Conflict(
            "contact.managed_elsewhere",
            "Your contact details come from the deputies' or the units' directory; change them there.",
        )
    roles = sorted(str(r) for r in me.roles if r in SELF_SERVICE)
    await directory.set_own_contact(
        me.congress_id,
        me.subject,
        name=body.name,
        email=body.email,
        phone=body.phone,
        roles=roles,
        at=datetime.now(UTC),
    )
    return body
