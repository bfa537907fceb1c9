"""The `key_cases` collection: key supervision (重点督办), one document per case, with its outbox.

`_id` is the case id (as in `cases`): a case has at most one plan, so the selection's redelivery and
staff marking a case twice cannot make two. Every query is scoped by `congress_id` as well. A change is
one conditional single-document update (on `revision`) carrying its events; the log (`entries`) only
grows, by `$push`.

Each write runs in a span of the case's own trace (the ledger case's `traceparent`, kept in `trace`),
linked to the request or message that caused it, so a case's key supervision shows on its timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from opentelemetry import trace
from pymongo import ASCENDING

from services.supervision.domain import Case
from services.supervision.keys import Entry, KeyCase, from_selection
from services.supervision.store.cases import CaseStore
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events, with_events
from shared.contracts import Envelope
from shared.contracts.evaluation import KeySuggestionsSelected
from shared.errors import Conflict, NotFound
from shared.mongo import AsyncDatabase, Doc, DuplicateKeyError
from shared.tracing import case_span

KEY_CASES = "key_cases"
SAVE_ATTEMPTS = 5
_tracer = trace.get_tracer("services.supervision")
# what a list needs of a key case: the log without its texts
_SUMMARY = {"outbox": 0, "trace": 0, "entries.findings": 0, "entries.participants": 0}
_FULL = {"outbox": 0, "trace": 0}


class KeyCaseNotInLedger(Exception):
    """A selected case whose assignment has not reached the ledger yet: the message is retried (then parked)."""


class KeyStore:
    """Loads and saves key cases; reads the ledger through the case store."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay, cases: CaseStore) -> None:
        self.collection = db[KEY_CASES]
        self.events = events
        self.relay = relay
        self.cases = cases

    async def ensure_indexes(self) -> None:
        """Create the indexes key supervision relies on (`_id` is the case id)."""
        await self.collection.create_index(
            [("congress_id", 1), ("year", 1), ("number", 1)], name="congress_year_number"
        )

    # --- the selection -----------------------------------------------------------------------------------

    async def on_key_suggestions_selected(self, event: Envelope[KeySuggestionsSelected]) -> None:
        """Plan every selected case not planned yet (idempotent on redelivery).

        Cases already under key supervision (selected before, or marked by staff) stay as they are. A case
        id the ledger does not hold for the congress yet raises once the others are planned, so the message
        is retried (and parked after the last retry).
        """
        data = event.data
        ids = list(dict.fromkeys(data.case_ids))
        planned = await self.collection.find({"_id": {"$in": ids}}, {"_id": 1}).to_list()
        todo = [i for i in ids if i not in {d["_id"] for d in planned}]
        if not todo:
            return
        found = await self.ledger(data.congress_id, todo)
        for case_id in todo:
            case = found.get(case_id)
            if case is not None:
                key = from_selection(case, year=data.year, selected_at=data.selected_at, ballot_id=data.ballot_id)
                await self.add(key, traceparent=case.traceparent)
        missing = [i for i in todo if i not in found]
        if missing:
            raise KeyCaseNotInLedger(f"cases {missing} of {data.congress_id} are not in the ledger yet")

    # --- writing -------------------------------------------------------------------------------------------

    async def add(self, key: KeyCase, *, traceparent: str = "") -> bool:
        """Insert a new key case with its first events; False if it is there already.

        `traceparent` is the ledger case's: the key case's writes join the case's trace.
        """
        with case_span(_tracer, "supervision.key_case.planned", key.case_id, traceparent):
            entries = self._outbox(key)
            doc = with_events({**to_doc(key), "trace": {"traceparent": traceparent} if traceparent else {}}, entries)
            try:
                await self.collection.insert_one(doc)
            except DuplicateKeyError:
                return False
        if entries:
            self.relay.wake()
        return True

    async def change(self, congress_id: str, case_id: str, rule: Callable[[KeyCase], KeyCase]) -> KeyCase:
        """Load, apply a rule, save; again from a fresh load when someone changed the key case meanwhile."""
        for _ in range(SAVE_ATTEMPTS):
            before, traceparent = await self._load(congress_id, case_id)
            after = rule(replace(before, events=()))
            if after.revision == before.revision and not after.events:
                return after
            with case_span(_tracer, "supervision.key_case.changed", case_id, traceparent):
                if await self._save(before, after):
                    return replace(after, revision=before.revision + 1, events=())
        raise Conflict("key.changed", "The key case kept changing; try again.")

    async def _save(self, before: KeyCase, after: KeyCase) -> bool:
        fields = to_doc(after)
        del fields["_id"], fields["entries"]
        fields["revision"] = before.revision + 1
        update: Doc = {"$set": fields}
        added = after.entries[len(before.entries) :]
        if added:
            update["$push"] = {"entries": {"$each": [_entry_doc(e) for e in added]}}
        query: Doc = {"_id": before.case_id, "congress_id": before.congress_id, "revision": before.revision}
        entries = self._outbox(after)
        result = await self.collection.update_one(query, add_events(update, entries))
        if result.matched_count == 0:
            return False
        if entries:
            self.relay.wake()
        return True

    def _outbox(self, key: KeyCase) -> list[Doc]:
        return [self.events.entry(e, subject=key.case_id, congress_id=key.congress_id) for e in key.events]

    # --- reading -------------------------------------------------------------------------------------------

    async def find(self, congress_id: str, case_id: str) -> KeyCase | None:
        """The congress's key case of a case, if the case is under key supervision."""
        doc = await self.collection.find_one({"_id": case_id, "congress_id": congress_id}, _FULL)
        return from_doc(doc) if doc else None

    async def get(self, congress_id: str, case_id: str) -> KeyCase:
        """The congress's key case of a case, or NotFound."""
        key = await self.find(congress_id, case_id)
        if key is None:
            raise NotFound("key.not_found", "The case is not under key supervision.")
        return key

    async def _load(self, congress_id: str, case_id: str) -> tuple[KeyCase, str]:
        doc = await self.collection.find_one({"_id": case_id, "congress_id": congress_id}, {"outbox": 0})
        if doc is None:
            raise NotFound("key.not_found", "The case is not under key supervision.")
        return from_doc(doc), str((doc.get("trace") or {}).get("traceparent") or "")

    async def page(
        self,
        congress_id: str,
        *,
        year: int | None = None,
        lead_leader: str | None = None,
        committee: str | None = None,
        source: str | None = None,
        skip: int = 0,
        limit: int = 50,
    ) -> tuple[list[KeyCase], int]:
        """A page of the congress's key cases by year and number, and the count; their entries without texts."""
        query: Doc = {"congress_id": congress_id}
        for name, value in (("year", year), ("lead_leader", lead_leader), ("committee", committee), ("source", source)):
            if value is not None:
                query[name] = value
        total = await self.collection.count_documents(query)
        cursor = (
            self.collection.find(query, _SUMMARY)
            .sort([("year", ASCENDING), ("number", ASCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return [from_doc(d) for d in await cursor.to_list()], total

    async def ledger(self, congress_id: str, case_ids: list[str]) -> dict[str, Case]:
        """The congress's ledger cases with these ids (those it holds), by id."""
        if not case_ids:
            return {}
        query: Doc = {"_id": {"$in": case_ids}, "congress_id": congress_id}
        found, _ = await self.cases.page(query, skip=0, limit=len(case_ids))
        return {c.id: c for c in found}


# --- documents -----------------------------------------------------------------------------------------


def _entry_doc(e: Entry) -> Doc:
    return {
        "id": e.id,
        "kind": e.kind,
        "month": e.month,
        "held_on": e.held_on.isoformat() if e.held_on else None,
        "participants": list(e.participants),
        "progress_percent": e.progress_percent,
        "findings": e.findings,
        "recorded_at": e.recorded_at,
        "recorded_by": e.recorded_by,
    }


def to_doc(key: KeyCase) -> Doc:
    """The stored form of a key case (without trace and outbox)."""
    return {
        "_id": key.case_id,
        "congress_id": key.congress_id,
        "year": key.year,
        "number": key.number,
        "title": key.title,
        "source": key.source,
        "lead_leader": key.lead_leader,
        "committee": key.committee,
        "planned_at": key.planned_at,
        "planned_by": key.planned_by,
        "ballot_id": key.ballot_id,
        "changed_at": key.changed_at,
        "changed_by": key.changed_by,
        "entries": [_entry_doc(e) for e in key.entries],
        "dispatch_months": key.dispatch_months(),
        "revision": key.revision,
    }


def _entry(doc: Doc) -> Entry:
    held_on = doc.get("held_on")
    return Entry(
        id=doc["id"],
        kind=doc["kind"],
        month=doc.get("month", ""),
        held_on=date.fromisoformat(held_on) if held_on else None,
        participants=tuple(doc.get("participants", ())),
        progress_percent=doc.get("progress_percent"),
        findings=doc.get("findings", ""),
        recorded_at=doc["recorded_at"],
        recorded_by=doc.get("recorded_by", ""),
    )


def from_doc(doc: Doc) -> KeyCase:
    """A key case from its stored form."""
    return KeyCase(
        case_id=doc["_id"],
        congress_id=doc["congress_id"],
        year=int(doc["year"]),
        number=doc.get("number", ""),
        title=doc.get("title", ""),
        source=doc["source"],
        lead_leader=doc.get("lead_leader", ""),
        committee=doc.get("committee", ""),
        planned_at=doc["planned_at"],
        planned_by=doc.get("planned_by", ""),
        entries=tuple(_entry(e) for e in doc.get("entries", ())),
        ballot_id=doc.get("ballot_id"),
        changed_at=doc.get("changed_at"),
        changed_by=doc.get("changed_by", ""),
        revision=int(doc.get("revision", 1)),
    )


__all__ = ["KEY_CASES", "KeyCaseNotInLedger", "KeyStore", "from_doc", "to_doc"]
