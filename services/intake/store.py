"""Intake's MongoDB collections: `suggestions` (the aggregate, with its outbox)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from pymongo import DESCENDING

from services.intake.domain import Origin, Suggestion, SuggestionKind, SuggestionStatus
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events, with_events
from shared.contracts.intake import DeputyRef
from shared.errors import Conflict, NotFound
from shared.mongo import AsyncDatabase, Doc, DuplicateKeyError
from shared.tracing import current_trace_context

SUGGESTIONS = "suggestions"
REGISTER_ATTEMPTS = 50


class SuggestionStore:
    """Loads and saves suggestions; every save carries its events in the same write."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay) -> None:
        self.collection = db[SUGGESTIONS]
        self.events = events
        self.relay = relay

    async def ensure_indexes(self) -> None:
        """Create the indexes intake relies on."""
        await self.collection.create_index(
            [("congress_id", 1), ("session", 1), ("sequence", 1)],
            name="number_unique",
            unique=True,
            partialFilterExpression={"sequence": {"$exists": True}},
        )
        await self.collection.create_index([("congress_id", 1), ("status", 1), ("submitted_at", DESCENDING)])
        await self.collection.create_index([("congress_id", 1), ("lead_deputy.id", 1)])
        await self.collection.create_index([("congress_id", 1), ("co_signers.id", 1)])

    async def add(self, suggestion: Suggestion) -> None:
        """Insert a new suggestion with its events; the case's trace starts here."""
        doc = _to_doc(suggestion)
        doc["trace"] = current_trace_context()
        await self.collection.insert_one(with_events(doc, self._outbox(suggestion)))
        self.relay.wake()

    async def get(self, congress_id: str, suggestion_id: str) -> Suggestion:
        """A suggestion of the congress, or NotFound."""
        doc = await self.collection.find_one({"_id": suggestion_id, "congress_id": congress_id})
        if doc is None:
            raise NotFound("suggestion.not_found", "No such suggestion.")
        return _from_doc(doc)

    async def next_sequence(self, congress_id: str, session: str) -> int:
        """One more than the highest number given in the congress and session."""
        top = await self.collection.find_one(
            {"congress_id": congress_id, "session": session, "sequence": {"$exists": True}},
            {"sequence": 1},
            sort=[("sequence", DESCENDING)],
        )
        return int(top["sequence"]) + 1 if top else 1

    async def save_registration(self, before: Suggestion, after: Suggestion) -> bool:
        """Store a registration if nobody changed the suggestion and the number is free.

        Returns False when the number was taken meanwhile (the caller takes the next one);
        raises Conflict when the suggestion itself changed.
        """
        try:
            result = await self.collection.update_one(
                {"_id": before.id, "congress_id": before.congress_id, "version": before.version},
                add_events(
                    {
                        "$set": {
                            "status": after.status.value,
                            "number": after.number,
                            "sequence": after.sequence,
                            "registered_at": after.registered_at,
                            "registered_by": after.registered_by,
                            "version": after.version,
                        }
                    },
                    self._outbox(after),
                ),
            )
        except DuplicateKeyError:
            return False
        if result.matched_count == 0:
            raise Conflict("suggestion.changed", "The suggestion changed meanwhile; try again.")
        self.relay.wake()
        return True

    async def page(
        self, congress_id: str, *, author: str | None, status: str | None, skip: int, limit: int
    ) -> tuple[list[Suggestion], int]:
        """A page of suggestions, newest first, and the total count."""
        query: dict[str, Any] = {"congress_id": congress_id}
        if author is not None:
            query["$or"] = [{"lead_deputy.id": author}, {"co_signers.id": author}]
        if status is not None:
            query["status"] = status
        total = await self.collection.count_documents(query)
        docs = await self.collection.find(query).sort("submitted_at", DESCENDING).skip(skip).limit(limit).to_list()
        return [_from_doc(d) for d in docs], total

    def _outbox(self, suggestion: Suggestion) -> list[Doc]:
        return [
            self.events.entry(event, subject=suggestion.id, congress_id=suggestion.congress_id)
            for event in suggestion.events
        ]


def _to_doc(s: Suggestion) -> Doc:
    doc = asdict(replace(s, events=()))
    doc.pop("events")
    doc["_id"] = doc.pop("id")
    doc["status"] = s.status.value
    doc["kind"] = s.kind.value
    doc["origin"] = s.origin.value
    doc["lead_deputy"] = s.lead_deputy.model_dump()
    doc["co_signers"] = [c.model_dump() for c in s.co_signers]
    return {k: v for k, v in doc.items() if v is not None}


def _from_doc(doc: Doc) -> Suggestion:
    return Suggestion(
        id=doc["_id"],
        congress_id=doc["congress_id"],
        session=doc["session"],
        title=doc["title"],
        body=doc["body"],
        field=doc["field"],
        kind=SuggestionKind(doc["kind"]),
        origin=Origin(doc["origin"]),
        lead_deputy=DeputyRef(**doc["lead_deputy"]),
        co_signers=tuple(DeputyRef(**c) for c in doc.get("co_signers", [])),
        confidential=bool(doc.get("confidential", False)),
        status=SuggestionStatus(doc["status"]),
        submitted_at=doc["submitted_at"],
        number=doc.get("number"),
        sequence=doc.get("sequence"),
        registered_at=doc.get("registered_at"),
        registered_by=doc.get("registered_by"),
        version=int(doc.get("version", 1)),
    )
