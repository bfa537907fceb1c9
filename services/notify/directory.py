"""Notify's own directory: who people are and how to reach them, from the events intake and assignment
publish (never another service's database), and each person's channel preferences.

- `people`: deputies from `intake.deputy.updated.v1` (name, phone, e-mail, active), and unit contacts from
  `assignment.unit.updated.v1` (each contact is a person; the unit lists its contacts).
- `unit_contacts`: per unit, its contacts (ids), from `assignment.unit.updated.v1`.
- constituents: the constituent behind a liaison-station opinion is a person `opinion:<opinion id>` (name and
  phone, from `intake.opinion.recorded.v1`; nobody for an anonymous opinion), and `case_opinions` says which
  opinion a registered suggestion grew from (from `intake.suggestion.registered.v1`), so later events
  about the case reach them too.
- staff and leaders: nobody publishes them, so they enter their own name, e-mail and phone (`PUT /contact`),
  kept in `people` with their roles; a notification to `role:staff` reaches every active staff member there.
- `preferences`: per person, whether they want e-mail and SMS, and which event kinds they mute on them.
  The in-app inbox always receives everything (it is the record).

A later event about the same person or unit replaces what an earlier one said, by the event's time: an
older event delivered late changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.contracts import Envelope
from shared.contracts.assignment import UnitUpdated
from shared.contracts.intake import DeputyUpdated, OpinionRecorded, SuggestionRegistered
from shared.mongo import AsyncDatabase, Doc, insert_once

PEOPLE = "people"
UNIT_CONTACTS = "unit_contacts"
PREFERENCES = "preferences"
CASE_OPINIONS = "case_opinions"


@dataclass(frozen=True)
class Person:
    """Someone notify may reach."""

    congress_id: str
    id: str
    name: str
    phone: str
    email: str
    active: bool


@dataclass(frozen=True)
class Preferences:
    """A person's channels: e-mail and SMS on or off, and the event types muted on them."""

    email: bool = True
    sms: bool = True
    muted: tuple[str, ...] = ()

    def wants(self, channel: str, event_type: str) -> bool:
        if channel == "inbox":
            return True
        if event_type in self.muted:
            return False
        return {"email": self.email, "sms": self.sms}.get(channel, False)


class Directory:
    """People, unit contacts and preferences of every congress notify serves."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.people = db[PEOPLE]
        self.units = db[UNIT_CONTACTS]
        self.preferences = db[PREFERENCES]
        self.case_opinions = db[CASE_OPINIONS]

    async def ensure_indexes(self) -> None:
        await self.people.create_index([("congress_id", 1), ("person_id", 1)], unique=True, name="person_unique")

    async def on_deputy_updated(self, event: Envelope[DeputyUpdated]) -> None:
        """A deputy's name and contact details, as intake's directory says."""
        d = event.data
        await self._person(d.congress_id, d.deputy_id, d.name, d.phone, d.email, d.active, event.time)

    async def on_unit_updated(self, event: Envelope[UnitUpdated]) -> None:
        """A unit's contacts: each a person, and the unit's list of them."""
        u = event.data
        for c in u.contacts:
            await self._person(u.congress_id, c.id, c.name, c.phone, c.email, u.active, event.time)
        fields = {
            "congress_id": u.congress_id,
            "unit_id": u.unit_id,
            "name": u.name,
            "contacts": [c.id for c in u.contacts],
            "active": u.active,
        }
        await _newer(self.units, f"{u.congress_id}:{u.unit_id}", fields, event.time)

    async def on_opinion_recorded(self, event: Envelope[OpinionRecorded]) -> None:
        """The constituent behind an opinion, when they left a phone number."""
        o = event.data
        if o.anonymous or not o.constituent_phone:
            return
        person_id = f"opinion:{o.opinion_id}"
        await self._person(o.congress_id, person_id, o.constituent_name, o.constituent_phone, "", True, event.time)

    async def remember_opinion(self, event: SuggestionRegistered) -> None:
        """Which opinion a registered suggestion grew from (idempotent)."""
        if event.opinion_id:
            await insert_once(
                self.case_opinions,
                {
                    "_id": f"{event.congress_id}:{event.suggestion_id}",
                    "congress_id": event.congress_id,
                    "opinion_id": event.opinion_id,
                },
            )

    async def case_opinion(self, congress_id: str, case_id: str) -> str | None:
        """The opinion the case grew from, if any."""
        doc = await self.case_opinions.find_one({"_id": f"{congress_id}:{case_id}"})
        return str(doc["opinion_id"]) if doc else None

    async def set_own_contact(
        self, congress_id: str, person_id: str, *, name: str, email: str, phone: str, roles: list[str], at: datetime
    ) -> None:
        """A staff member's or leader's own contact details (they are in no other service's events)."""
        await self._person(congress_id, person_id, name, phone, email, True, at, roles=roles, own=True)

    async def own_contact(self, congress_id: str, person_id: str) -> Doc | None:
        """What a staff member or leader entered about themself (None if nothing, or if events manage them)."""
        doc = await self.people.find_one({"_id": f"{congress_id}:{person_id}", "own": True})
        return dict(doc) if doc else None

    async def with_role(self, congress_id: str, role: str) -> list[str]:
        """The people who entered their contact details holding this role."""
        cursor = self.people.find({"congress_id": congress_id, "own": True, "roles": role, "active": True}, {"_id": 1})
        return [str(d["_id"]).split(":", 1)[1] async for d in cursor]

    async def _person(
        self,
        congress_id: str,
        person_id: str,
        name: str,
        phone: str,
        email: str,
        active: bool,
        at: datetime,
        *,
        roles: list[str] | None = None,
        own: bool = False,
    ) -> None:
        fields: dict[str, Any] = {
            "congress_id": congress_id,
            "person_id": person_id,
            "name": name,
            "phone": phone,
            "email": email,
            "active": active,
            "own": own,
            "roles": roles or [],
        }
        await _newer(self.people, f"{congress_id}:{person_id}", fields, at)

    async def person(self, congress_id: str, person_id: str) -> Person | None:
        doc = await self.people.find_one({"_id": f"{congress_id}:{person_id}"})
        if doc is None:
            return None
        return Person(
            congress_id=congress_id,
            id=person_id,
            name=doc.get("name", ""),
            phone=doc.get("phone", ""),
            email=doc.get("email", ""),
            active=bool(doc.get("active", True)),
        )

    async def unit_contacts(self, congress_id: str, unit_id: str) -> list[str]:
        doc = await self.units.find_one({"_id": f"{congress_id}:{unit_id}"})
        return list(doc.get("contacts", [])) if doc else []

    async def preferences_of(self, congress_id: str, person_id: str) -> Preferences:
        doc = await self.preferences.find_one({"_id": f"{congress_id}:{person_id}"})
        if doc is None:
            return Preferences()
        return Preferences(email=bool(doc["email"]), sms=bool(doc["sms"]), muted=tuple(doc.get("muted", [])))

    async def set_preferences(self, congress_id: str, person_id: str, prefs: Preferences) -> None:
        await self.preferences.replace_one(
            {"_id": f"{congress_id}:{person_id}"},
            {"congress_id": congress_id, "email": prefs.email, "sms": prefs.sms, "muted": list(prefs.muted)},
            upsert=True,
        )


async def _newer(collection: Any, key: str, fields: dict[str, Any], at: datetime) -> None:
    """Write `fields` unless the document holds what a later event said (idempotent, order-proof)."""
    result = await collection.update_one({"_id": key, "as_of": {"$lt": at}}, {"$set": {**fields, "as_of": at}})
    if result.matched_count:
        return
    if not await insert_once(collection, {"_id": key, **fields, "as_of": at}):
        # it exists: either as new as this event (nothing to do) or inserted meanwhile by an older one
        await collection.update_one({"_id": key, "as_of": {"$lt": at}}, {"$set": {**fields, "as_of": at}})
