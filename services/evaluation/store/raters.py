"""Evaluation's MongoDB collections: `raters` (who rates each suggestion's replies)."""

from __future__ import annotations

from services.evaluation.domain import Raters
from shared.contracts.intake import DeputyRef
from shared.errors import NotFound
from shared.mongo import AsyncDatabase, Doc, insert_once

RATERS = "raters"


class RaterStore:
    """The raters of each registered suggestion."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db[RATERS]

    async def ensure_indexes(self) -> None:
        """Create the indexes evaluation relies on."""
        await self.collection.create_index([("congress_id", 1), ("lead_deputy.id", 1)])

    async def add_once(self, raters: Raters, event_id: str, trace: dict[str, str]) -> bool:
        """Record the raters of a suggestion once."""
        return await insert_once(
            self.collection,
            {
                "_id": raters.suggestion_id,
                "congress_id": raters.congress_id,
                "number": raters.number,
                "title": raters.title,
                "lead_deputy": raters.lead_deputy.model_dump(),
                "co_signers": [c.model_dump() for c in raters.co_signers],
                "applied_events": [event_id],
                "trace": trace,
            },
        )

    async def get(self, congress_id: str, suggestion_id: str) -> Raters:
        """The raters of a suggestion, or NotFound."""
        doc = await self.collection.find_one({"_id": suggestion_id, "congress_id": congress_id})
        if doc is None:
            raise NotFound("raters.not_found", "No registered suggestion with that id.")
        return Raters(
            suggestion_id=doc["_id"],
            congress_id=doc["congress_id"],
            number=doc["number"],
            title=doc["title"],
            lead_deputy=DeputyRef(**doc["lead_deputy"]),
            co_signers=tuple(DeputyRef(**c) for c in doc.get("co_signers", [])),
        )
