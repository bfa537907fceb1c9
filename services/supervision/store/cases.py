"""The `cases` collection: the handling ledger, one document per assigned case, with its outbox.

Every change is one conditional single-document update (on `revision`) carrying its events. Beside
the case, each document keeps `unit_ids` (the units' lists), `next_check_at` (the sweep) and `figures`
(the facts the statistics count, kept current with every change).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime

from opentelemetry import trace
from pymongo import ASCENDING, DESCENDING

from services.supervision.domain import (
    Case,
    Commitment,
    Contact,
    Extension,
    Rating,
    Reply,
    Status,
    UnitPart,
    Urging,
    next_check_at,
)
from services.supervision.policy import Policy
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events, with_events
from shared.contracts.intake import DeputyRef
from shared.errors import Conflict, NotFound
from shared.mongo import APPLIED_EVENTS_KEPT, AsyncDatabase, Doc, DuplicateKeyError
from shared.tracing import case_span

CASES = "cases"
SAVE_ATTEMPTS = 5
_tracer = trace.get_tracer("services.supervision")
PolicyOf = Callable[[str], Policy]


class CaseStore:
    """Loads and saves ledger cases."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay) -> None:
        self.collection = db[CASES]
        self.events = events
        self.relay = relay

    async def ensure_indexes(self) -> None:
        """Create the indexes supervision relies on."""
        await self.collection.create_index([("congress_id", 1), ("status", 1), ("reply_due_on", 1)])
        await self.collection.create_index([("congress_id", 1), ("unit_ids", 1), ("status", 1)])
        await self.collection.create_index([("congress_id", 1), ("light", 1)])
        await self.collection.create_index([("congress_id", 1), ("figures.year", 1)])
        await self.collection.create_index([("next_check_at", ASCENDING)], sparse=True, name="next_check_at")

    # --- writing ---------------------------------------------------------------------------------

    async def add_once(self, case: Case, *, policy: Policy, event_id: str, trace_: dict[str, str]) -> bool:
        """Insert a new ledger case with its first events; False if it is there already."""
        entries = self._entries(case)
        doc = with_events({**to_doc(case, policy), "applied_events": [event_id], "trace": trace_}, entries)
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        if entries:
            self.relay.wake()
        return True

    def _entries(self, case: Case) -> list[Doc]:
        return [self.events.entry(e, subject=case.id, congress_id=case.congress_id) for e in case.events]

    async def save(self, before: Case, after: Case, *, policy: Policy, event_id: str | None = None) -> bool:
        """Store a change if nobody changed the case meanwhile; False otherwise (or if `event_id` was applied)."""
        fields = to_doc(after, policy)
        del fields["_id"]
        fields["revision"] = before.revision + 1
        update: Doc = {"$set": fields}
        if "next_check_at" not in fields:
            update["$unset"] = {"next_check_at": ""}
        query: Doc = {"_id": before.id, "congress_id": before.congress_id, "revision": before.revision}
        if event_id is not None:
            query["applied_events"] = {"$ne": event_id}
            update["$push"] = {"applied_events": {"$each": [event_id], "$slice": -APPLIED_EVENTS_KEPT}}
        entries = self._entries(after)
        result = await self.collection.update_one(query, add_events(update, entries))
        if result.matched_count == 0:
            return False
        if entries:
            self.relay.wake()
        return True

    async def change(
        self,
        congress_id: str,
        case_id: str,
        rule: Callable[[Case], Case],
        *,
        policy: Policy,
        event_id: str | None = None,
    ) -> Case:
        """Load, apply a rule, save; again from a fresh load when someone changed the case meanwhile."""
        for _ in range(SAVE_ATTEMPTS):
            before = await self.get(congress_id, case_id)
            after = rule(replace(before, events=()))
            if after.revision == before.revision and not after.events:
                return after
            if await self.save(before, after, policy=policy, event_id=event_id):
                return replace(after, revision=before.revision + 1)
            if event_id is not None and await self.applied(case_id, event_id):
                return before
        raise Conflict("case.changed", "The case kept changing; try again.")

    async def applied(self, case_id: str, event_id: str) -> bool:
        """Whether an event was applied to the case."""
        return await self.collection.count_documents({"_id": case_id, "applied_events": event_id}) == 1

    async def change_many(
        self,
        cases: list[Case],
        rule: Callable[[Case], Case],
        *,
        policy_of: PolicyOf,
        span: str,
        concurrency: int = 16,
    ) -> list[tuple[Case, Case | Exception]]:
        """Apply a rule to many loaded cases, each in its own conditional write and in a span of its own trace."""
        gate = asyncio.Semaphore(concurrency)

        async def one(case: Case) -> tuple[Case, Case | Exception]:
            async with gate:
                with case_span(_tracer, span, case.id, case.traceparent):
                    return await attempt(case)

        async def attempt(case: Case) -> tuple[Case, Case | Exception]:
            policy = policy_of(case.congress_id)
            try:
                after = rule(replace(case, events=()))
                if after.revision == case.revision and not after.events:
                    return case, after
                if await self.save(case, after, policy=policy):
                    return case, replace(after, revision=case.revision + 1)
                return case, await self.change(case.congress_id, case.id, rule, policy=policy)
            except Exception as exc:  # reported per case
                return case, exc

        return list(await asyncio.gather(*(one(c) for c in cases)))

    # --- reading -----------------------------------------------------------------------------------

    async def get(self, congress_id: str, case_id: str) -> Case:
        """A case of the congress, or NotFound."""
        doc = await self.collection.find_one({"_id": case_id, "congress_id": congress_id}, _LEAN)
        if doc is None:
            raise NotFound("case.not_found", "No such case.")
        return from_doc(doc)

    async def find(self, case_id: str) -> Case | None:
        """A case of any congress (for events, which carry their congress)."""
        doc = await self.collection.find_one({"_id": case_id}, _LEAN)
        return from_doc(doc) if doc else None

    async def page(self, query: Doc, *, skip: int, limit: int, sort: str = "reply_due_on") -> tuple[list[Case], int]:
        """A page of cases matching a query (always scoped by the caller), and the total count."""
        total = await self.collection.count_documents(query)
        cursor = (
            self.collection.find(query, _LEAN).sort([(sort, ASCENDING), ("_id", ASCENDING)]).skip(skip).limit(limit)
        )
        return [from_doc(d) for d in await cursor.to_list()], total

    async def due(self, now: datetime, limit: int = 500) -> list[Case]:
        """Cases whose light may change or whose reminder is due by `now`."""
        cursor = self.collection.find({"next_check_at": {"$lte": now}}, _LEAN).limit(limit)
        return [from_doc(d) for d in await cursor.to_list()]

    async def next_due(self) -> datetime | None:
        """The next moment the sweep has work, over every congress."""
        doc = await self.collection.find_one(
            {"next_check_at": {"$exists": True}}, {"next_check_at": 1}, sort=[("next_check_at", ASCENDING)]
        )
        return doc["next_check_at"] if doc else None

    async def figure_rows(self, congress_id: str, year: int | None) -> list[Doc]:
        """The `figures` of the congress's cases (of one ledger year, or all)."""
        query: Doc = {"congress_id": congress_id}
        if year is not None:
            query["figures.year"] = year
        return [d["figures"] for d in await self.collection.find(query, {"figures": 1, "_id": 0}).to_list()]

    async def public_replies(self, congress_id: str, year: int | None, skip: int, limit: int) -> tuple[list[Doc], int]:
        """Delivered replies marked public of cases that are not confidential, newest first."""
        query: Doc = {"congress_id": congress_id, "figures.public_reply": True, "confidential": False}
        if year is not None:
            query["figures.year"] = year
        total = await self.collection.count_documents(query)
        projection = {"number": 1, "title": 1, "field": 1, "lead": 1, "replies": 1, "figures": 1}
        cursor = (
            self.collection.find(query, projection)
            .sort([("figures.replied_at", DESCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return list(await cursor.to_list()), total


_LEAN = {"outbox": 0, "applied_events": 0, "figures": 0}


# --- documents -----------------------------------------------------------------------------------


def figures(case: Case) -> Doc:
    """What the statistics count of a case (kept in the document, current with every change)."""
    first = case.first_delivered
    last = next((r for r in reversed(case.replies) if r.state == "delivered"), None)
    result = case.ratings[-1].result if case.ratings else None
    category = last.category if last else None
    if category == "B" and case.became_a:
        category = "A"
    return {
        "year": case.year,
        "lead_unit_id": case.lead.unit_id,
        "lead_unit_name": case.lead.name,
        "field": case.field,
        "status": case.status.value,
        "replied": first is not None,
        "replied_at": first.delivered_at if first else None,
        "reply_due_at": case.reply_due_at,  # the deadline in force: an unreplied case past it is due
        "on_time": bool(first.on_time) if first else False,
        "category": category,
        "first_category": first.category if first else None,
        "closed": case.status is Status.CLOSED,
        "contacted": bool(case.contacts),
        "result": result,
        "public_reply": bool(last and last.public),
        "light": case.light,
        "rounds": case.round,
        "open_commitments": len(case.open_commitments()),
        "cancelled": case.status is Status.CANCELLED,
    }


def to_doc(case: Case, policy: Policy) -> Doc:
    """The stored form of a case (without applied events, trace and outbox)."""
    doc: Doc = {
        "_id": case.id,
        "congress_id": case.congress_id,
        "number": case.number,
        "title": case.title,
        "field": case.field,
        "lead_deputy": case.lead_deputy.model_dump(),
        "co_signers": [d.model_dump() for d in case.co_signers],
        "confidential": case.confidential,
        "lead": vars(case.lead),
        "co_units": [vars(u) for u in case.co_units],
        "unit_ids": case.unit_ids(),
        "assigned_at": case.assigned_at,
        "year": case.year,
        "months": case.months,
        "complex": case.complex,
        "reply_due_on": case.reply_due_on.isoformat(),
        "reply_due_at": case.reply_due_at,
        "co_opinion_due_on": case.co_opinion_due_on.isoformat(),
        "sign_due_at": case.sign_due_at,
        "armed_at": case.armed_at,
        "status": case.status.value,
        "round": case.round,
        "contacts": [vars(c) for c in case.contacts],
        "replies": [{**vars(r), "review_reasons": list(r.review_reasons)} for r in case.replies],
        "extensions": [{**vars(e), "requested_due_on": e.requested_due_on.isoformat()} for e in case.extensions],
        "urgings": [vars(u) for u in case.urgings],
        "flag": case.flag,
        "flag_note": case.flag_note,
        "light": case.light,
        "ratings": [vars(r) for r in case.ratings],
        "commitments": [{**vars(c), "due_on": c.due_on.isoformat()} for c in case.commitments],
        "second_reply_due_on": case.second_reply_due_on.isoformat() if case.second_reply_due_on else None,
        "second_replied_at": case.second_replied_at,
        "second_reply_text": case.second_reply_text,
        "became_a": case.became_a,
        "closed_at": case.closed_at,
        "close_reason": case.close_reason,
        "revision": case.revision,
        "figures": figures(case),
    }
    check = next_check_at(case, policy)
    if check is not None:  # absent otherwise: the sparse index holds only the cases the sweep must visit
        doc["next_check_at"] = check
    return doc


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def from_doc(doc: Doc) -> Case:
    """A case from its stored form."""
    return Case(
        id=doc["_id"],
        congress_id=doc["congress_id"],
        number=doc["number"],
        title=doc["title"],
        field=doc["field"],
        lead_deputy=DeputyRef(**doc["lead_deputy"]),
        co_signers=tuple(DeputyRef(**d) for d in doc.get("co_signers", [])),
        confidential=bool(doc.get("confidential", False)),
        lead=UnitPart(**doc["lead"]),
        co_units=tuple(UnitPart(**u) for u in doc.get("co_units", [])),
        assigned_at=doc["assigned_at"],
        year=int(doc["year"]),
        months=int(doc["months"]),
        complex=bool(doc.get("complex", False)),
        reply_due_on=date.fromisoformat(doc["reply_due_on"]),
        co_opinion_due_on=date.fromisoformat(doc["co_opinion_due_on"]),
        sign_due_at=doc["sign_due_at"],
        armed_at=doc["armed_at"],
        status=Status(doc["status"]),
        round=int(doc.get("round", 1)),
        contacts=tuple(Contact(**c) for c in doc.get("contacts", [])),
        replies=tuple(
            Reply(**{**r, "review_reasons": tuple(r.get("review_reasons", ()))}) for r in doc.get("replies", [])
        ),
        extensions=tuple(
            Extension(**{**e, "requested_due_on": date.fromisoformat(e["requested_due_on"])})
            for e in doc.get("extensions", [])
        ),
        urgings=tuple(Urging(**u) for u in doc.get("urgings", [])),
        flag=doc.get("flag", "none"),
        flag_note=doc.get("flag_note", ""),
        light=doc.get("light", "none"),
        ratings=tuple(Rating(**r) for r in doc.get("ratings", [])),
        commitments=tuple(
            Commitment(**{**c, "due_on": date.fromisoformat(c["due_on"])}) for c in doc.get("commitments", [])
        ),
        second_reply_due_on=_date(doc.get("second_reply_due_on")),
        second_replied_at=doc.get("second_replied_at"),
        second_reply_text=doc.get("second_reply_text", ""),
        became_a=bool(doc.get("became_a", False)),
        closed_at=doc.get("closed_at"),
        close_reason=doc.get("close_reason", ""),
        revision=int(doc.get("revision", 1)),
        traceparent=str((doc.get("trace") or {}).get("traceparent") or ""),
    )


def by_unit(congress_id: str, unit_id: str, statuses: Iterable[Status] | None = None) -> Doc:
    """The query of a unit's cases."""
    query: Doc = {"congress_id": congress_id, "unit_ids": unit_id}
    if statuses is not None:
        query["status"] = {"$in": [s.value for s in statuses]}
    return query


__all__ = ["CASES", "CaseStore", "by_unit", "figures", "from_doc", "to_doc"]
