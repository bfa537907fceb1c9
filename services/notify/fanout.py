"""From a notification to the people behind it, on their channels.

Every notification the rules make goes to the inbox (the record). Then, for each person behind its
recipient — the deputy themself, or every contact of a unit for a unit's notification — notify's
directory gives their e-mail address and phone number, their preferences say whether they want that
channel for that event type, the congress's template (or the default) gives the words, and one delivery
per person and channel is queued: `<event id>:<person>:<channel>`, so a redelivered event queues nothing
new. People notify does not know yet (no directory entry) get the inbox only. A notification to a role's
inbox (`role:staff`) reaches the staff members who entered their own contact details (`PUT /contact`).

The congress's rule table (`ruletable.py`) decides the channels of each audience, and whether its
automatic reminders are gathered into a day's digest (`digest.py`) instead of one message each.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from services.notify.channels import Message
from services.notify.deliveries import Channel
from services.notify.delivery_store import DeliveryStore
from services.notify.digest import DigestStore
from services.notify.directory import Directory
from services.notify.domain import Notification
from services.notify.rules import unit_recipient
from services.notify.template_store import TemplateStore
from services.notify.templates import render

CHANNELS: tuple[Channel, ...] = (Channel.EMAIL, Channel.SMS)


class FanOut:
    """Queues the e-mails and text messages of a notification."""

    def __init__(
        self,
        directory: Directory,
        templates: TemplateStore,
        deliveries: DeliveryStore,
        digests: DigestStore | None = None,
    ) -> None:
        self.directory = directory
        self.templates = templates
        self.deliveries = deliveries
        self.digests = digests

    async def people(self, n: Notification) -> list[str]:
        """The people behind a recipient: a unit's contacts, or the person."""
        prefix = unit_recipient("")
        if n.recipient_id.startswith(prefix):
            return await self.directory.unit_contacts(n.congress_id, n.recipient_id.removeprefix(prefix))
        if n.recipient_id.startswith("role:"):
            return await self.directory.with_role(n.congress_id, n.recipient_id.removeprefix("role:"))
        return [n.recipient_id]

    async def send(
        self,
        n: Notification,
        event: dict[str, Any],
        *,
        now: datetime,
        channels: Collection[str] = CHANNELS,
        digest_at: datetime | None = None,
    ) -> int:
        """Queue the deliveries of one notification on these channels — or, with `digest_at`, its items of the
        digest going out then; how many were new."""
        queued = 0
        for person_id in await self.people(n):
            person = await self.directory.person(n.congress_id, person_id)
            if person is None or not person.active:
                continue
            prefs = await self.directory.preferences_of(n.congress_id, person_id)
            for channel in CHANNELS:
                address = person.email if channel is Channel.EMAIL else person.phone
                if channel not in channels or not address or not prefs.wants(channel, n.event_type):
                    continue
                if digest_at is not None and self.digests is not None:
                    queued += await self.digests.add(
                        n,
                        person_id=person_id,
                        name=person.name or person_id,
                        channel=channel,
                        address=address,
                        due_at=digest_at,
                        now=now,
                    )
                    continue
                template, _ = await self.templates.get(n.congress_id, n.event_type, channel)
                subject, body = render(
                    template,
                    {
                        "subject": n.subject,
                        "body": n.body,
                        "link": n.link,
                        "name": person.name or person_id,
                        "case_id": n.case_id,
                        "event_type": n.event_type,
                        "congress_id": n.congress_id,
                        "event": event,
                    },
                )
                message = Message(
                    delivery_id=f"{n.event_id}:{person_id}:{channel}",
                    congress_id=n.congress_id,
                    recipient_id=person_id,
                    channel=channel,
                    address=address,
                    subject=subject,
                    body=body,
                    link=n.link,
                )
                queued += await self.deliveries.enqueue(message, now=now)
        return queued
