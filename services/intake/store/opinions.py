"""The `opinions` collection: constituents' opinions from liaison stations, with an outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import DESCENDING

from services.intake.opinions import Channel, Constituent, Opinion, OpinionStatus
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events, with_events
from shared.contracts.intake import DeputyRef
from shared.errors import Conflict, NotFound
from shared.mongo import AsyncDatabase, Doc

OPINIONS = "opinions"


class OpinionStore:
    """Loads and saves opinions."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay) -> None:
        self.collection = db[OPINIONS]
        self.events = events
        self.relay = relay

    async def ensure_indexes(self) -> None:
        """Create the indexes opinions rely on."""
        await self.collection.create_index("tracking_code", unique=True)
        await self.collection.create_index([("congress_id", 1), ("station_id", 1), ("recorded_at", DESCENDING)])
        await self.collection.create_index([("congress_id", 1), ("status", 1), ("recorded_at", DESCENDING)])

    async def add(self, opinion: Opinion) -> None:
        """Insert a new opinion with its event."""
        await self.collection.insert_one(with_events(_to_doc(opinion), self._outbox(opinion)))
        self.relay.wake()

    async def get(self, congress_id: str, opinion_id: str) -> Opinion:
        """An opinion of the congress, or NotFound."""
        doc = await self.collection.find_one({"_id": opinion_id, "congress_id": congress_id})
        if doc is None:
            raise NotFound("opinion.not_found", "No such opinion.")
        return _from_doc(doc)

    async def by_code(self, code: str) -> Opinion:
        """An opinion by its tracking code, or NotFound."""
        doc = await self.collection.find_one({"tracking_code": code.strip().upper()})
        if doc is None:
            raise NotFound("opinion.not_found", "No opinion has this tracking code.")
        return _from_doc(doc)

    async def save(self, before: Opinion, after: Opinion) -> None:
        """Store a change if nobody changed the opinion meanwhile."""
        fields = _to_doc(after)
        del fields["_id"]
        result = await self.collection.update_one(
            {"_id": before.id, "revision": before.revision}, add_events({"$set": fields}, self._outbox(after))
        )
        if result.matched_count == 0:
            raise Conflict("opinion.changed", "The opinion changed meanwhile; reload and try again.")
        if after.events:
            self.relay.wake()

    async def page(
        self,
        congress_id: str,
        *,
        station_id: str | None,
        status: str | None,
        taken_by: str | None,
        skip: int,
        limit: int,
    ) -> tuple[list[Opinion], int]:
        """A page of opinions, newest first."""
        query: dict[str, Any] = {"congress_id": congress_id}
        if station_id:
            query["station_id"] = station_id
        if status:
            query["status"] = status
        if taken_by:
            query["taken_up_by.id"] = taken_by
        total = await self.collection.count_documents(query)
        docs = await self.collection.find(query).sort("recorded_at", DESCENDING).skip(skip).limit(limit).to_list()
        return [_from_doc(d) for d in docs], total

    def _outbox(self, o: Opinion) -> list[Doc]:
        return [self.events.entry(e, subject=f"opinion:{o.id}", congress_id=o.congress_id) for e in o.events]


def _to_doc(o: Opinion) -> Doc:
    return {
        "_id": o.id,
        "congress_id": o.congress_id,
        "station_id": o.station_id,
        "station_name": o.station_name,
        "text": o.text,
        "channel": o.channel.value,
        "constituent": vars(o.constituent).copy(),
        "tracking_code": o.tracking_code,
        "status": o.status.value,
        "recorded_by": o.recorded_by,
        "recorded_at": o.recorded_at,
        "revision": o.revision,
        "suggestion_id": o.suggestion_id,
        "taken_up_by": o.taken_up_by.model_dump() if o.taken_up_by else None,
        "taken_up_at": o.taken_up_at,
        "closing_note": o.closing_note,
        "updated_at": datetime.now(UTC),
    }


def _from_doc(doc: Doc) -> Opinion:
    return Opinion(
        id=doc["_id"],
        congress_id=doc["congress_id"],
        station_id=doc["station_id"],
        station_name=doc.get("station_name", ""),
        text=doc["text"],
        channel=Channel(doc["channel"]),
        constituent=Constituent(**doc["constituent"]),
        tracking_code=doc["tracking_code"],
        status=OpinionStatus(doc["status"]),
        recorded_by=doc["recorded_by"],
        recorded_at=doc["recorded_at"],
        revision=int(doc.get("revision", 1)),
        suggestion_id=doc.get("suggestion_id"),
        taken_up_by=DeputyRef(**doc["taken_up_by"]) if doc.get("taken_up_by") else None,
        taken_up_at=doc.get("taken_up_at"),
        closing_note=doc.get("closing_note", ""),
    )
