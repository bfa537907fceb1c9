"""The `policies` collection: each congress's supervision rules (one document per congress)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime

from services.supervision.policy import Policy
from shared.mongo import AsyncDatabase, Doc

POLICIES = "policies"
_KEYS = [f.name for f in fields(Policy) if f.init]


class PolicyStore:
    """Reads and writes congresses' supervision rules; a congress without a document has the defaults."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db[POLICIES]

    async def get(self, congress_id: str) -> Policy:
        """The congress's rules (the defaults until it sets its own)."""
        doc = await self.collection.find_one({"_id": congress_id})
        return _policy(doc) if doc else Policy()

    async def get_many(self, congress_ids: set[str]) -> dict[str, Policy]:
        """The rules of several congresses."""
        docs = {d["_id"]: d for d in await self.collection.find({"_id": {"$in": sorted(congress_ids)}}).to_list()}
        return {c: _policy(docs[c]) if c in docs else Policy() for c in congress_ids}

    async def updated(self, congress_id: str) -> tuple[datetime | None, str]:
        """When and by whom the rules were last set (None: never, the defaults apply)."""
        doc = await self.collection.find_one({"_id": congress_id}, {"updated_at": 1, "updated_by": 1})
        return (doc["updated_at"], doc.get("updated_by", "")) if doc else (None, "")

    async def put(self, congress_id: str, policy: Policy, *, by: str) -> None:
        """Replace the congress's rules."""
        doc: Doc = {"_id": congress_id, **{k: getattr(policy, k) for k in _KEYS}}
        doc["reminder_days_before"] = list(policy.reminder_days_before)
        doc["extra_holidays"] = [d.isoformat() for d in policy.extra_holidays]
        doc["extra_workdays"] = [d.isoformat() for d in policy.extra_workdays]
        doc["updated_at"] = datetime.now(UTC)
        doc["updated_by"] = by
        await self.collection.replace_one({"_id": congress_id}, doc, upsert=True)


def _policy(doc: Doc) -> Policy:
    values = {k: doc[k] for k in _KEYS if k in doc}
    if "reminder_days_before" in values:
        values["reminder_days_before"] = tuple(values["reminder_days_before"])
    for key in ("extra_holidays", "extra_workdays"):
        if key in values:
            values[key] = tuple(date.fromisoformat(d) for d in values[key])
    return Policy(**values)
