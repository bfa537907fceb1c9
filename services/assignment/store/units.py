"""The unit registry: `units`, one document per unit of a congress, each change announced through its outbox."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne

from services.assignment.routing import UnitKind
from services.assignment.units import Unit, unit_changed, unit_updated
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events
from shared.contracts.assignment import UnitContact
from shared.errors import NotFound
from shared.mongo import AsyncDatabase, Doc

UNITS = "units"


class UnitStore:
    """A congress's handling units; every change writes its `UnitUpdated` event in the same update."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay) -> None:
        self.collection = db[UNITS]
        self.events = events
        self.relay = relay

    async def ensure_indexes(self) -> None:
        """Create the indexes the registry relies on."""
        await self.collection.create_index([("congress_id", 1), ("unit_id", 1)], unique=True, name="unit_unique")

    async def get(self, congress_id: str, unit_id: str) -> Unit:
        """A unit of the congress, or NotFound."""
        doc = await self.collection.find_one({"_id": _key(congress_id, unit_id)})
        if doc is None:
            raise NotFound("unit.not_found", "No such unit in this congress's registry.", unit_id=unit_id)
        return _unit(doc)

    async def get_many(self, congress_id: str, unit_ids: Iterable[str]) -> dict[str, Unit]:
        """The congress's units with these ids, by id (those that exist)."""
        keys = [_key(congress_id, u) for u in dict.fromkeys(unit_ids)]
        if not keys:
            return {}
        docs = await self.collection.find({"_id": {"$in": keys}}).to_list()
        return {d["unit_id"]: _unit(d) for d in docs}

    async def active(self, congress_id: str) -> list[Unit]:
        """The congress's active units, by id."""
        docs = await self.collection.find({"congress_id": congress_id, "active": True}).sort("unit_id", 1).to_list()
        return [_unit(d) for d in docs]

    async def page(
        self,
        congress_id: str,
        *,
        kind: UnitKind | None = None,
        active: bool | None = None,
        q: str | None = None,
        skip: int = 0,
        limit: int = 50,
    ) -> tuple[list[Unit], int]:
        """A page of the congress's units by id (of a kind, active or not, whose name contains `q`) and the count."""
        query: dict[str, Any] = {"congress_id": congress_id}
        if kind is not None:
            query["kind"] = kind.value
        if active is not None:
            query["active"] = active
        if q:
            query["name"] = {"$regex": re.escape(q)}
        total = await self.collection.count_documents(query)
        docs = await self.collection.find(query).sort("unit_id", 1).skip(skip).limit(limit).to_list()
        return [_unit(d) for d in docs], total

    async def put(self, unit: Unit) -> tuple[Unit, bool]:
        """Create or replace a unit with its event; True if created. An unchanged unit is not written."""
        before = (await self.get_many(unit.congress_id, [unit.id])).get(unit.id)
        if before is not None and not unit_changed(before, unit):
            return before, False
        stamped = _stamped(unit, datetime.now(UTC))
        result = await self.collection.update_one(*self._write(stamped), upsert=True)
        self.relay.wake()
        return stamped, result.upserted_id is not None

    async def save_many(self, units: Iterable[Unit]) -> tuple[int, int, int]:
        """Create or replace units (each changed one with its event) in one bulk write; (created, updated, unchanged).

        Idempotent: saving the same units again writes nothing and announces nothing. A unit given
        twice counts once, as given last.
        """
        latest = {(u.congress_id, u.id): u for u in units}
        by_congress: dict[str, list[Unit]] = {}
        for unit in latest.values():
            by_congress.setdefault(unit.congress_id, []).append(unit)
        now = datetime.now(UTC)
        ops: list[UpdateOne] = []
        for congress_id, group in by_congress.items():
            existing = await self.get_many(congress_id, (u.id for u in group))
            ops += [
                UpdateOne(*self._write(_stamped(u, now)), upsert=True)
                for u in group
                if unit_changed(existing.get(u.id), u)
            ]
        if not ops:
            return 0, 0, len(latest)
        result = await self.collection.bulk_write(ops, ordered=False)
        self.relay.wake()
        created = result.upserted_count
        return created, len(ops) - created, len(latest) - len(ops)

    def _write(self, unit: Unit) -> tuple[Doc, Doc]:
        """Filter and update that set the unit's fields and add its event, in one single-document write."""
        entry = self.events.entry(unit_updated(unit), subject=f"unit:{unit.id}", congress_id=unit.congress_id)
        return {"_id": _key(unit.congress_id, unit.id)}, add_events({"$set": _doc(unit)}, [entry])


def _key(congress_id: str, unit_id: str) -> str:
    return f"{congress_id}:{unit_id}"


def _stamped(unit: Unit, now: datetime) -> Unit:
    """The unit with its `updated_at` (now, if unset) as BSON keeps it: to the millisecond."""
    at = unit.updated_at or now
    return replace(unit, updated_at=at.replace(microsecond=at.microsecond // 1000 * 1000))


def _doc(u: Unit) -> Doc:
    return {
        "congress_id": u.congress_id,
        "unit_id": u.id,
        "name": u.name,
        "kind": u.kind.value,
        "coordinator": u.coordinator,
        "duties": u.duties,
        "keywords": list(u.keywords),
        "aliases": list(u.aliases),
        "contacts": [c.model_dump() for c in u.contacts],
        "active": u.active,
        "updated_at": u.updated_at,
    }


def _unit(doc: Doc) -> Unit:
    return Unit(
        congress_id=doc["congress_id"],
        id=doc["unit_id"],
        name=doc["name"],
        kind=UnitKind(doc["kind"]),
        coordinator=doc.get("coordinator", ""),
        duties=doc.get("duties", ""),
        keywords=tuple(doc.get("keywords", ())),
        aliases=tuple(doc.get("aliases", ())),
        contacts=tuple(UnitContact(**c) for c in doc.get("contacts", ())),
        active=bool(doc.get("active", True)),
        updated_at=doc.get("updated_at"),
    )
