"""The `rules` collection: each congress's own lines of the rule table, and its digest time.

- `<congress>:<event type>`: the congress's line for one event type (`recipients`: audience, channels,
  digest), replacing the default line;
- `<congress>`: the congress's settings (`digest_time`, local HH:MM).

One query reads a congress's whole table; each replica keeps it for `cache_seconds` (5 s by default), so a
change applies at once on the replica that made it and within those seconds on the others.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from services.notify.ruletable import DIGEST_TIME, Send, Table, table
from shared.mongo import AsyncDatabase, Doc

RULES = "rules"


class RuleStore:
    """Reads and writes congresses' rule tables."""

    def __init__(self, db: AsyncDatabase[Doc], *, cache_seconds: float = 5.0) -> None:
        self.collection = db[RULES]
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Table]] = {}
        self._changes = 0  # a read that began before a change made here is not cached

    def _forget(self, congress_id: str) -> None:
        self._changes += 1
        self._cache.pop(congress_id, None)

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("congress_id", 1)], name="congress")

    async def table(self, congress_id: str) -> Table:
        """The congress's table in force (as read at most `cache_seconds` ago)."""
        cached = self._cache.get(congress_id)
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        changes = self._changes
        fresh = await self._read(congress_id)
        if changes == self._changes:
            self._cache[congress_id] = (time.monotonic(), fresh)
        return fresh

    async def _read(self, congress_id: str) -> Table:
        own: dict[str, tuple[Send, ...]] = {}
        digest_time = DIGEST_TIME
        async for doc in self.collection.find({"congress_id": congress_id}):
            if "event_type" in doc:
                own[doc["event_type"]] = tuple(Send.of(r) for r in doc["recipients"])
            else:
                digest_time = doc.get("digest_time", DIGEST_TIME)
        return table(own, digest_time)

    async def put(self, congress_id: str, event_type: str, sends: tuple[Send, ...], *, by: str) -> None:
        await self.collection.replace_one(
            {"_id": f"{congress_id}:{event_type}"},
            {
                "congress_id": congress_id,
                "event_type": event_type,
                "recipients": [s.as_doc() for s in sends],
                "updated_at": datetime.now(UTC),
                "updated_by": by,
            },
            upsert=True,
        )
        self._forget(congress_id)

    async def delete(self, congress_id: str, event_type: str) -> bool:
        result = await self.collection.delete_one({"_id": f"{congress_id}:{event_type}"})
        self._forget(congress_id)
        return result.deleted_count == 1

    async def set_digest_time(self, congress_id: str, digest_time: str, *, by: str) -> None:
        await self.collection.replace_one(
            {"_id": congress_id},
            {"congress_id": congress_id, "digest_time": digest_time, "updated_at": datetime.now(UTC), "updated_by": by},
            upsert=True,
        )
        self._forget(congress_id)
