"""A unit's reminders of one day gathered into one e-mail and one text message per person (催办汇总).

When the rule table says an audience's reminders are gathered (`digest`), fan-out does not queue an
e-mail or SMS per reminder: it stores a digest item (`digest_items`, `_id` = `<event id>:<person>:<channel>`,
so a redelivered reminder adds nothing) due at the congress's next digest time (local HH:MM, 09:30 by
default: automatic reminders are made at 09:00). The inbox still gets each reminder at once.

At the digest time a durable sweep (`shared.sweep.DueSweeper` over the sparse `due_at` index) groups the
due items by person and channel and turns each group into one ordinary delivery (`deliveries`, with
its retries, failure record and events), then clears the items' `due_at`. Crash-safe in three steps:
the group's items are first stamped with the digest's id (derived from the items), then the delivery is
enqueued under that id (idempotent), then the items are cleared; a sweep interrupted anywhere repeats
the rest and sends nothing twice. An item arriving after its group was stamped goes out on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from pymongo import ASCENDING

from services.notify.channels import Message
from services.notify.deliveries import Channel
from services.notify.delivery_store import DeliveryStore
from services.notify.domain import Notification
from services.notify.template_store import TemplateStore
from services.notify.templates import DIGEST, Template, render
from shared.mongo import AsyncDatabase, Doc, insert_once
from shared.workdays import SHANGHAI

DIGEST_ITEMS = "digest_items"
BATCH = 2000


def _ms(at: datetime) -> datetime:
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def digest_id(recipient_id: str, channel: str, due_at: datetime, item_ids: list[str]) -> str:
    """The delivery id of a digest: person, channel, local day, and a hash of exactly which items it holds."""
    day = due_at.astimezone(SHANGHAI).strftime("%Y%m%d")
    h = hashlib.sha256("\n".join(sorted(item_ids)).encode()).hexdigest()[:12]
    return f"digest:{recipient_id}:{channel}:{day}:{h}"


def compose(items: list[Doc], name: str, template: Template) -> tuple[str, str]:
    """The subject and body of a digest of these items (oldest first)."""
    lines = [{"subject": i["subject"], "body": i["body"], "link": i["link"], "case_id": i["case_id"]} for i in items]
    return render(template, {"name": name, "items": lines, "count": len(lines)})


class DigestStore:
    """Digest items waiting for their day's digest, and the sweep that sends them."""

    def __init__(
        self, db: AsyncDatabase[Doc], deliveries: DeliveryStore, templates: TemplateStore | None = None
    ) -> None:
        self.collection = db[DIGEST_ITEMS]
        self.deliveries = deliveries
        self.templates = templates
        # Called when an item was stored (set it to the sweeper's `wake`, so it sleeps until the new time).
        self.on_due: Callable[[], None] = lambda: None

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("due_at", ASCENDING)], sparse=True, name="due_at")
        await self.collection.create_index([("digest_id", ASCENDING)], sparse=True, name="digest_id")

    async def add(
        self,
        n: Notification,
        *,
        person_id: str,
        name: str,
        channel: Channel,
        address: str,
        due_at: datetime,
        now: datetime,
    ) -> bool:
        """Store one reminder for one person's digest on one channel; False if it is there already."""
        made = await insert_once(
            self.collection,
            {
                "_id": f"{n.event_id}:{person_id}:{channel.value}",
                "congress_id": n.congress_id,
                "recipient_id": person_id,
                "name": name,
                "channel": channel.value,
                "address": address,
                "event_id": n.event_id,
                "event_type": n.event_type,
                "case_id": n.case_id,
                "subject": n.subject,
                "body": n.body,
                "link": n.link,
                "created_at": _ms(now),
                "due_at": _ms(due_at),
            },
        )
        if made:
            self.on_due()
        return made

    async def next_due(self) -> datetime | None:
        doc = await self.collection.find_one({"due_at": {"$exists": True}}, {"due_at": 1}, sort=[("due_at", ASCENDING)])
        return doc["due_at"] if doc else None

    async def run_due(self, now: datetime) -> int:
        """Send every digest due by `now`; how many digests were queued."""
        items = (
            await self.collection.find({"due_at": {"$lte": now}}).sort("created_at", ASCENDING).limit(BATCH).to_list()
        )
        groups: dict[tuple[str, str, str, str | None], list[Doc]] = {}
        for item in items:
            key = (item["congress_id"], item["recipient_id"], item["channel"], item.get("digest_id"))
            groups.setdefault(key, []).append(item)
        queued = 0
        for (congress_id, recipient_id, channel, stamped), group in groups.items():
            did = stamped or digest_id(recipient_id, channel, group[0]["due_at"], [i["_id"] for i in group])
            if stamped is None:
                await self.collection.update_many(
                    {"_id": {"$in": [i["_id"] for i in group]}, "digest_id": {"$exists": False}},
                    {"$set": {"digest_id": did}},
                )
            held = await self.collection.find({"digest_id": did}).sort("created_at", ASCENDING).to_list()
            if held:
                template = (
                    (await self.templates.get(congress_id, "digest", channel))[0]
                    if self.templates is not None
                    else DIGEST[channel]
                )
                subject, body = compose(held, held[-1]["name"], template)
                message = Message(
                    delivery_id=did,
                    congress_id=congress_id,
                    recipient_id=recipient_id,
                    channel=Channel(channel),
                    address=held[-1]["address"],
                    subject=subject,
                    body=body,
                    link=held[0]["link"] if len(held) == 1 else "",
                )
                queued += await self.deliveries.enqueue(message, now=now)
            await self.collection.update_many({"digest_id": did}, {"$unset": {"due_at": ""}})
        return queued

    async def pending(self, congress_id: str, recipient_id: str) -> list[Doc]:
        """A person's items waiting for their digest (oldest first)."""
        return (
            await self.collection.find(
                {"congress_id": congress_id, "recipient_id": recipient_id, "due_at": {"$exists": True}}
            )
            .sort("created_at", ASCENDING)
            .to_list()
        )
