"""The `ratings` collection: one document per reply round of a case (`<case id>:<round>`), with its outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from opentelemetry import trace
from pymongo import ASCENDING, DESCENDING

from services.evaluation.policy import Policy
from services.evaluation.ratings import Rating, RatingRound, settle
from services.evaluation.store.policies import PolicyStore
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events, with_events
from shared.contracts.evaluation import RaterRef
from shared.errors import Conflict, NotFound
from shared.mongo import AsyncDatabase, Doc, DuplicateKeyError
from shared.tracing import case_scope, context_from

RATINGS = "ratings"
SAVE_ATTEMPTS = 5
_tracer = trace.get_tracer("services.evaluation")


class RatingStore:
    """Loads and saves rating rounds."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay, policies: PolicyStore) -> None:
        self.collection = db[RATINGS]
        self.events = events
        self.relay = relay
        self.policies = policies

    async def ensure_indexes(self) -> None:
        """Create the indexes the ratings rely on."""
        await self.collection.create_index([("congress_id", 1), ("raters.id", 1), ("final_at", 1)])
        await self.collection.create_index([("congress_id", 1), ("case_id", 1), ("round", 1)])
        await self.collection.create_index([("next_due_at", ASCENDING)], sparse=True, name="next_due_at")

    def _entries(self, r: RatingRound) -> list[Doc]:
        return [self.events.entry(e, subject=r.case_id, congress_id=r.congress_id) for e in r.events]

    async def add_once(self, r: RatingRound, *, trace_: dict[str, str]) -> bool:
        """Insert a new rating round with its first events; False if it is there already."""
        entries = self._entries(r)
        try:
            await self.collection.insert_one(with_events({**to_doc(r), "trace": trace_}, entries))
        except DuplicateKeyError:
            return False
        if entries:
            self.relay.wake()
        return True

    async def save(self, before: RatingRound, after: RatingRound) -> bool:
        """Store a change if nobody changed the round meanwhile."""
        fields = to_doc(after)
        del fields["_id"]
        fields["revision"] = before.revision + 1
        update: Doc = {"$set": fields}
        if "next_due_at" not in fields:
            update["$unset"] = {"next_due_at": ""}
        entries = self._entries(after)
        result = await self.collection.update_one(
            {"_id": before.id, "congress_id": before.congress_id, "revision": before.revision},
            add_events(update, entries),
        )
        if result.matched_count == 0:
            return False
        if entries:
            self.relay.wake()
        return True

    async def change(self, congress_id: str, round_id: str, rule: Callable[[RatingRound], RatingRound]) -> RatingRound:
        """Load, apply a rule, save; again from a fresh load when the round changed meanwhile."""
        for _ in range(SAVE_ATTEMPTS):
            before = await self.get(congress_id, round_id)
            after = rule(replace(before, events=()))
            if after.revision == before.revision and not after.events:
                return after
            if await self.save(before, after):
                return replace(after, revision=before.revision + 1)
        raise Conflict("rating.changed", "The rating kept changing; try again.")

    async def get(self, congress_id: str, round_id: str) -> RatingRound:
        doc = await self.collection.find_one({"_id": round_id, "congress_id": congress_id}, _LEAN)
        if doc is None:
            raise NotFound("rating.not_found", "No rating of that reply round.")
        return from_doc(doc)

    async def of_case(self, congress_id: str, case_id: str) -> list[RatingRound]:
        cursor = self.collection.find({"congress_id": congress_id, "case_id": case_id}, _LEAN).sort("round", ASCENDING)
        return [from_doc(d) for d in await cursor.to_list()]

    async def of_deputy(self, congress_id: str, deputy_id: str, *, open_only: bool) -> list[RatingRound]:
        query: Doc = {"congress_id": congress_id, "raters.id": deputy_id}
        if open_only:
            query["final_at"] = None
        cursor = self.collection.find(query, _LEAN).sort("opened_at", DESCENDING)
        return [from_doc(d) for d in await cursor.to_list()]

    # --- the window sweep ----------------------------------------------------------------------

    async def settle_due(self, now: datetime) -> int:
        """Make final the rounds whose window closed by `now`; how many changed."""
        changed = 0
        while True:
            docs = await self.collection.find({"next_due_at": {"$lte": now}}, _LEAN).limit(200).to_list()
            if not docs:
                return changed
            policies = await self._policies({d["congress_id"] for d in docs})
            results = await asyncio.gather(*(self._settle_one(d, now, policies[d["congress_id"]]) for d in docs))
            changed += sum(results)
            if len(docs) < 200 or not any(results):
                return changed

    async def _settle_one(self, doc: Doc, now: datetime, policy: Policy) -> bool:
        traceparent = (doc.get("trace") or {}).get("traceparent")
        parent = context_from({"traceparent": traceparent} if traceparent else None)
        with (
            _tracer.start_as_current_span("evaluation rating window closed", context=parent),
            case_scope(doc["case_id"]),
        ):
            before = from_doc(doc)
            after = settle(before, now=now, policy=policy)
            return after is not before and await self.save(before, after)

    async def _policies(self, congress_ids: set[str]) -> dict[str, Policy]:
        return {c: await self.policies.get(c) for c in congress_ids}

    async def next_due(self) -> datetime | None:
        doc = await self.collection.find_one(
            {"next_due_at": {"$exists": True}}, {"next_due_at": 1}, sort=[("next_due_at", ASCENDING)]
        )
        return doc["next_due_at"] if doc else None


_LEAN = {"outbox": 0}


def to_doc(r: RatingRound) -> Doc:
    doc: Doc = {
        "_id": r.id,
        "congress_id": r.congress_id,
        "case_id": r.case_id,
        "number": r.number,
        "title": r.title,
        "round": r.round,
        "category": r.category,
        "lead_unit_id": r.lead_unit_id,
        "raters": [x.model_dump() for x in r.raters],
        "opened_at": r.opened_at,
        "closes_at": r.closes_at,
        "ratings": [vars(x) for x in r.ratings],
        "result": r.result,
        "result_by": r.result_by,
        "final_at": r.final_at,
        "revision": r.revision,
    }
    due = r.next_due_at()
    if due is not None:
        doc["next_due_at"] = due
    return doc


def from_doc(doc: Doc) -> RatingRound:
    return RatingRound(
        case_id=doc["case_id"],
        congress_id=doc["congress_id"],
        number=doc["number"],
        title=doc["title"],
        round=int(doc["round"]),
        category=doc.get("category", ""),
        lead_unit_id=doc.get("lead_unit_id", ""),
        raters=tuple(RaterRef(**x) for x in doc.get("raters", [])),
        opened_at=doc["opened_at"],
        closes_at=doc["closes_at"],
        ratings=tuple(Rating(**x) for x in doc.get("ratings", [])),
        result=doc.get("result"),
        result_by=doc.get("result_by", ""),
        final_at=doc.get("final_at"),
        revision=int(doc.get("revision", 1)),
    )
