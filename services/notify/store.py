"""Notify's MongoDB collections: `inbox` (one document per notification)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from pymongo import DESCENDING

from services.notify.domain import Notification
from shared.errors import NotFound
from shared.mongo import AsyncDatabase, Doc, insert_once

INBOX = "inbox"


class InboxStore:
    """Each person's in-app inbox."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db[INBOX]

    async def ensure_indexes(self) -> None:
        """Create the indexes notify relies on."""
        await self.collection.create_index([("congress_id", 1), ("recipient_id", 1), ("created_at", DESCENDING)])
        await self.collection.create_index([("congress_id", 1), ("recipient_id", 1), ("read_at", 1)])

    async def deliver(self, notification: Notification) -> bool:
        """Put a notification in its recipient's inbox once; False if it was there already."""
        doc = asdict(notification)
        doc["_id"] = doc.pop("id")
        doc["read_at"] = None
        return await insert_once(self.collection, doc)

    async def page(
        self, congress_id: str, recipients: list[str], *, unread_only: bool, skip: int, limit: int
    ) -> tuple[list[Doc], int]:
        """A page of a person's notifications (their own and their unit's), newest first, and the total."""
        query: Doc = {"congress_id": congress_id, "recipient_id": {"$in": recipients}}
        if unread_only:
            query["read_at"] = None
        total = await self.collection.count_documents(query)
        docs = await self.collection.find(query).sort("created_at", DESCENDING).skip(skip).limit(limit).to_list()
        return docs, total

    async def unread_count(self, congress_id: str, recipients: list[str]) -> int:
        """How many notifications the person has not read (their own and their unit's)."""
        return await self.collection.count_documents(
            {"congress_id": congress_id, "recipient_id": {"$in": recipients}, "read_at": None}
        )

    async def mark_read(self, congress_id: str, recipients: list[str], notification_id: str) -> Doc:
        """Mark one of the person's notifications read (again is harmless); a unit's is read for the whole unit."""
        query = {"_id": notification_id, "congress_id": congress_id, "recipient_id": {"$in": recipients}}
        await self.collection.update_one({**query, "read_at": None}, {"$set": {"read_at": datetime.now(UTC)}})
        doc = await self.collection.find_one(query)
        if doc is None:
            raise NotFound("notification.not_found", "No such notification.")
        return doc
