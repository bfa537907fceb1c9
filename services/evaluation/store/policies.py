"""The `policies` collection: each congress's rating rules (one document per congress)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime

from services.evaluation.policy import Policy
from shared.mongo import AsyncDatabase, Doc

POLICIES = "policies"
_KEYS = [f.name for f in fields(Policy) if f.init]


class PolicyStore:
    """Reads and writes congresses' rating rules; a congress without a document has the defaults."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db[POLICIES]

    async def get(self, congress_id: str) -> Policy:
        doc = await self.collection.find_one({"_id": congress_id})
        if doc is None:
            return Policy()
        values = {k: doc[k] for k in _KEYS if k in doc}
        for key in ("extra_holidays", "extra_workdays"):
            if key in values:
                values[key] = tuple(date.fromisoformat(d) for d in values[key])
        return Policy(**values)

    async def updated(self, congress_id: str) -> tuple[datetime | None, str]:
        doc = await self.collection.find_one({"_id": congress_id}, {"updated_at": 1, "updated_by": 1})
        return (doc["updated_at"], doc.get("updated_by", "")) if doc else (None, "")

    async def put(self, congress_id: str, policy: Policy, *, by: str) -> None:
        doc: Doc = {"_id": congress_id, **{k: getattr(policy, k) for k in _KEYS}}
        doc["extra_holidays"] = [d.isoformat() for d in policy.extra_holidays]
        doc["extra_workdays"] = [d.isoformat() for d in policy.extra_workdays]
        doc["updated_at"] = datetime.now(UTC)
        doc["updated_by"] = by
        await self.collection.replace_one({"_id": congress_id}, doc, upsert=True)
