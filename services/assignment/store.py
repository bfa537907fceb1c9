"""Assignment's MongoDB collections: `cases` (the aggregate, with its outbox)."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING

from services.assignment.domain import Case, CaseStatus
from shared.contracts.intake import DeputyRef
from shared.errors import NotFound
from shared.mongo import AsyncDatabase, Doc, insert_once

CASES = "cases"


class CaseStore:
    """Loads and saves cases."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db[CASES]

    async def ensure_indexes(self) -> None:
        """Create the indexes assignment relies on."""
        await self.collection.create_index([("congress_id", 1), ("status", 1), ("registered_at", DESCENDING)])

    async def add_once(self, case: Case, *, event_id: str, trace: dict[str, str]) -> bool:
        """Insert a case keyed by its suggestion id; False if it was received before."""
        doc: Doc = {
            "_id": case.id,
            "congress_id": case.congress_id,
            "number": case.number,
            "title": case.title,
            "field": case.field,
            "lead_deputy": case.lead_deputy.model_dump(),
            "confidential": case.confidential,
            "status": case.status.value,
            "registered_at": case.registered_at,
            "received_at": case.received_at,
            "applied_events": [event_id],
            "trace": trace,
        }
        return await insert_once(self.collection, doc)

    async def get(self, congress_id: str, case_id: str) -> Case:
        """A case of the congress, or NotFound."""
        doc = await self.collection.find_one({"_id": case_id, "congress_id": congress_id})
        if doc is None:
            raise NotFound("case.not_found", "No such case.")
        return _from_doc(doc)

    async def page(self, congress_id: str, *, status: str | None, skip: int, limit: int) -> tuple[list[Case], int]:
        """A page of cases, newest first, and the total count."""
        query: dict[str, Any] = {"congress_id": congress_id}
        if status:
            query["status"] = status
        total = await self.collection.count_documents(query)
        docs = await self.collection.find(query).sort("registered_at", DESCENDING).skip(skip).limit(limit).to_list()
        return [_from_doc(d) for d in docs], total


def _from_doc(doc: Doc) -> Case:
    return Case(
        id=doc["_id"],
        congress_id=doc["congress_id"],
        number=doc["number"],
        title=doc["title"],
        field=doc["field"],
        lead_deputy=DeputyRef(**doc["lead_deputy"]),
        confidential=bool(doc.get("confidential", False)),
        status=CaseStatus(doc["status"]),
        registered_at=doc["registered_at"],
        received_at=doc["received_at"],
    )
