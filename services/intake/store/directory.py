"""Congresses and deputies: `congresses` (one document each) and `deputies` (with an outbox)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne

from services.intake.directory import Congress, Deputy, Level, deputy_changed
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events
from shared.contracts.intake import DeputyUpdated
from shared.errors import NotFound
from shared.mongo import AsyncDatabase, Doc

CONGRESSES = "congresses"
DEPUTIES = "deputies"


class DirectoryStore:
    """The congresses this suite serves and their deputies."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay) -> None:
        self.congresses = db[CONGRESSES]
        self.deputies = db[DEPUTIES]
        self.events = events
        self.relay = relay

    async def ensure_indexes(self) -> None:
        """Create the indexes the directory relies on."""
        await self.deputies.create_index([("congress_id", 1), ("deputy_id", 1)], unique=True, name="deputy_unique")
        await self.deputies.create_index([("congress_id", 1), ("delegation", 1), ("name", 1)])

    async def put_congress(self, congress: Congress) -> None:
        """Create or replace a congress's definition."""
        await self.congresses.replace_one(
            {"_id": congress.id},
            {
                "_id": congress.id,
                "name": congress.name,
                "level": congress.level.value,
                "parent_id": congress.parent_id,
                "term": congress.term,
                "session": congress.session,
                "session_name": congress.session_name,
                "fields": list(congress.fields),
                "updated_at": datetime.now(UTC),
            },
            upsert=True,
        )

    async def find_congress(self, congress_id: str) -> Congress | None:
        """A congress, or None."""
        doc = await self.congresses.find_one({"_id": congress_id})
        if doc is None:
            return None
        return Congress(
            id=doc["_id"],
            name=doc["name"],
            level=Level(doc["level"]),
            parent_id=doc.get("parent_id"),
            term=int(doc["term"]),
            session=doc["session"],
            session_name=doc.get("session_name", ""),
            fields=tuple(doc.get("fields", ())),
        )

    async def get_congress(self, congress_id: str) -> Congress:
        """A congress, or NotFound."""
        congress = await self.find_congress(congress_id)
        if congress is None:
            raise NotFound("congress.not_found", "This congress is not set up in the suite yet.")
        return congress

    async def deputies_by_id(self, congress_id: str, ids: list[str]) -> dict[str, Deputy]:
        """The congress's deputies with these ids."""
        docs = await self.deputies.find({"congress_id": congress_id, "deputy_id": {"$in": ids}}).to_list()
        return {d["deputy_id"]: _deputy(d) for d in docs}

    async def all_deputies(self, congress_id: str) -> dict[str, Deputy]:
        """Every deputy of the congress, by id."""
        docs = await self.deputies.find({"congress_id": congress_id}).to_list()
        return {d["deputy_id"]: _deputy(d) for d in docs}

    async def get_deputy(self, congress_id: str, deputy_id: str) -> Deputy:
        """One deputy, or NotFound."""
        found = await self.deputies_by_id(congress_id, [deputy_id])
        if deputy_id not in found:
            raise NotFound("deputy.not_found", "No such deputy in this congress.", deputy_id=deputy_id)
        return found[deputy_id]

    async def save_deputies(self, deputies: list[Deputy]) -> tuple[int, int, int]:
        """Create or update deputies (each with its event); returns (created, updated, unchanged).

        Idempotent: importing the same file again changes nothing and announces nothing.
        """
        if not deputies:
            return 0, 0, 0
        congress_id = deputies[0].congress_id
        existing = await self.all_deputies(congress_id)
        ops: list[UpdateOne] = []
        created = updated = 0
        now = datetime.now(UTC)
        for d in deputies:
            before = existing.get(d.id)
            if not deputy_changed(before, d):
                continue
            created += before is None
            updated += before is not None
            event = DeputyUpdated(
                congress_id=d.congress_id,
                deputy_id=d.id,
                name=d.name,
                delegation=d.delegation,
                phone=d.phone,
                email=d.email,
                active=d.active,
            )
            entry = self.events.entry(event, subject=f"deputy:{d.id}", congress_id=d.congress_id)
            ops.append(
                UpdateOne(
                    {"_id": f"{d.congress_id}:{d.id}"},
                    add_events({"$set": {**_deputy_doc(d), "updated_at": now}}, [entry]),
                    upsert=True,
                )
            )
        if ops:
            await self.deputies.bulk_write(ops, ordered=False)
            self.relay.wake()
        return created, updated, len(deputies) - created - updated

    async def page_deputies(
        self, congress_id: str, *, delegation: str | None, name: str | None, skip: int, limit: int
    ) -> tuple[list[Deputy], int]:
        """A page of the congress's deputies by delegation and name."""
        query: dict[str, Any] = {"congress_id": congress_id}
        if delegation:
            query["delegation"] = delegation
        if name:
            query["name"] = name
        total = await self.deputies.count_documents(query)
        docs = await self.deputies.find(query).sort([("delegation", 1), ("name", 1)]).skip(skip).limit(limit).to_list()
        return [_deputy(d) for d in docs], total


def _deputy_doc(d: Deputy) -> Doc:
    return {
        "congress_id": d.congress_id,
        "deputy_id": d.id,
        "name": d.name,
        "delegation": d.delegation,
        "phone": d.phone,
        "email": d.email,
        "active": d.active,
    }


def _deputy(doc: Doc) -> Deputy:
    return Deputy(
        congress_id=doc["congress_id"],
        id=doc["deputy_id"],
        name=doc["name"],
        delegation=doc.get("delegation", ""),
        phone=doc.get("phone", ""),
        email=doc.get("email", ""),
        active=bool(doc.get("active", True)),
    )
