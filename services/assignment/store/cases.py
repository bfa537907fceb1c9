"""The `cases` collection: one document per registered suggestion, holding its whole assignment story and
its outbox. Every change is one conditional single-document update (on `revision`) carrying its events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from opentelemetry import trace
from pymongo import ASCENDING, DESCENDING

from services.assignment.domain import (
    Assignment,
    Case,
    CaseStatus,
    Decision,
    LeaderLed,
    Meeting,
    Objection,
    Reassignment,
    Round,
    TaskState,
    UnitTask,
)
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events
from shared.contracts.assignment import Deadlines, LeaderRef, UnitRef
from shared.contracts.intake import DeputyRef
from shared.errors import Conflict, NotFound
from shared.mongo import APPLIED_EVENTS_KEPT, AsyncDatabase, Doc, insert_once
from shared.tracing import case_span

CASES = "cases"
SAVE_ATTEMPTS = 5
_tracer = trace.get_tracer("services.assignment")


class CaseStore:
    """Loads and saves cases."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay) -> None:
        self.collection = db[CASES]
        self.events = events
        self.relay = relay

    async def ensure_indexes(self) -> None:
        """Create the indexes assignment relies on."""
        await self.collection.create_index([("congress_id", 1), ("status", 1), ("registered_at", DESCENDING)])
        await self.collection.create_index([("congress_id", 1), ("unit_ids", 1), ("status", 1)])
        await self.collection.create_index([("next_due_at", ASCENDING)], sparse=True, name="next_due_at")

    # --- writing ---------------------------------------------------------------------------------

    async def add_once(self, case: Case, *, event_id: str, trace: dict[str, str]) -> bool:
        """Insert a case keyed by its suggestion id; False if it was received before."""
        doc = {**to_doc(case), "applied_events": [event_id], "trace": trace}
        return await insert_once(self.collection, doc)

    async def save(self, before: Case, after: Case, *, event_id: str | None = None) -> bool:
        """Store a change if nobody changed the case meanwhile; False otherwise (or if `event_id` was applied)."""
        fields = to_doc(after)
        del fields["_id"]
        fields["revision"] = before.revision + 1
        update: Doc = {"$set": fields}
        if "next_due_at" not in fields:
            update["$unset"] = {"next_due_at": ""}
        query: Doc = {"_id": before.id, "congress_id": before.congress_id, "revision": before.revision}
        if event_id is not None:
            query["applied_events"] = {"$ne": event_id}
            update["$push"] = {"applied_events": {"$each": [event_id], "$slice": -APPLIED_EVENTS_KEPT}}
        entries = [self.events.entry(e, subject=after.id, congress_id=after.congress_id) for e in after.events]
        result = await self.collection.update_one(query, add_events(update, entries))
        if result.matched_count == 0:
            return False
        if entries:
            self.relay.wake()
        return True

    async def change(
        self, congress_id: str, case_id: str, rule: Callable[[Case], Case], *, event_id: str | None = None
    ) -> Case:
        """Load, apply a rule, save; again from a fresh load when someone (e.g. the sweep) changed it meanwhile."""
        for _ in range(SAVE_ATTEMPTS):
            before = await self.get(congress_id, case_id)
            after = rule(replace(before, events=()))
            if after.revision == before.revision and not after.events:
                return after  # nothing to write (an idempotent repeat)
            if await self.save(before, after, event_id=event_id):
                return replace(after, revision=before.revision + 1)
            if event_id is not None and await self.applied(case_id, event_id):
                return before
        raise Conflict("case.changed", "The case kept changing; try again.")

    async def applied(self, case_id: str, event_id: str) -> bool:
        """Whether an event was applied to the case."""
        return await self.collection.count_documents({"_id": case_id, "applied_events": event_id}) == 1

    async def change_many(
        self, cases: list[Case], rule: Callable[[Case], Case], *, span: str, concurrency: int = 16
    ) -> list[tuple[Case, Case | Exception]]:
        """Apply a rule to many loaded cases at once, each in its own conditional write.

        Each case's change runs in a span `span` of the case's own trace (linked to the current span, e.g.
        the batch request), so its events continue the case's trace. A case changed meanwhile is loaded
        again and retried; the rule's error (or the final conflict) is returned in place of the result.
        """
        gate = asyncio.Semaphore(concurrency)

        async def one(case: Case) -> tuple[Case, Case | Exception]:
            async with gate:
                with case_span(_tracer, span, case.id, case.traceparent):
                    return await attempt(case)

        async def attempt(case: Case) -> tuple[Case, Case | Exception]:
            try:
                after = rule(replace(case, events=()))
                if after.revision == case.revision and not after.events:
                    return case, after
                if await self.save(case, after):
                    return case, replace(after, revision=case.revision + 1)
                return case, await self.change(case.congress_id, case.id, rule)
            except Exception as exc:  # reported per case
                return case, exc

        return list(await asyncio.gather(*(one(c) for c in cases)))

    # --- reading -----------------------------------------------------------------------------------

    async def get(self, congress_id: str, case_id: str) -> Case:
        """A case of the congress, or NotFound."""
        doc = await self.collection.find_one({"_id": case_id, "congress_id": congress_id}, _NO_OUTBOX)
        if doc is None:
            raise NotFound("case.not_found", "No such case.")
        return from_doc(doc)

    async def find(self, case_id: str) -> Case | None:
        """A case of any congress (for events, which carry their congress anyway)."""
        doc = await self.collection.find_one({"_id": case_id}, _NO_OUTBOX)
        return from_doc(doc) if doc else None

    async def get_many(self, congress_id: str, case_ids: Iterable[str]) -> dict[str, Case]:
        """The congress's cases among these ids."""
        ids = list(dict.fromkeys(case_ids))
        docs = await self.collection.find({"_id": {"$in": ids}, "congress_id": congress_id}, _NO_OUTBOX).to_list()
        return {d["_id"]: from_doc(d) for d in docs}

    async def page(
        self,
        congress_id: str,
        *,
        status: str | None,
        unit_id: str | None = None,
        skip: int,
        limit: int,
    ) -> tuple[list[Case], int]:
        """A page of cases, newest first, and the total count."""
        query: dict[str, Any] = {"congress_id": congress_id}
        if status:
            query["status"] = status
        if unit_id:
            query["unit_ids"] = unit_id
        total = await self.collection.count_documents(query)
        cursor = self.collection.find(query, _NO_OUTBOX).sort("registered_at", DESCENDING).skip(skip).limit(limit)
        return [from_doc(d) for d in await cursor.to_list()], total

    async def of_unit(self, congress_id: str, unit_id: str, statuses: Iterable[CaseStatus]) -> list[Case]:
        """Cases the unit is on now, in these statuses, newest first."""
        query = {"congress_id": congress_id, "unit_ids": unit_id, "status": {"$in": [s.value for s in statuses]}}
        cursor = self.collection.find(query, _NO_OUTBOX).sort("registered_at", DESCENDING)
        return [from_doc(d) for d in await cursor.to_list()]

    async def due(self, now: datetime, limit: int = 200) -> list[Case]:
        """Cases with a window that closed by `now` while its unit stayed silent."""
        cursor = self.collection.find({"next_due_at": {"$lte": now}}, _NO_OUTBOX).limit(limit)
        return [from_doc(d) for d in await cursor.to_list()]

    async def next_due(self) -> datetime | None:
        """The next moment a window closes on a silent unit, over every congress."""
        doc = await self.collection.find_one(
            {"next_due_at": {"$exists": True}}, {"next_due_at": 1}, sort=[("next_due_at", ASCENDING)]
        )
        return doc["next_due_at"] if doc else None

    async def pre_assigned(self, congress_id: str) -> list[Case]:
        """Every case of the congress that was ever pre-assigned (for the objection counts)."""
        query = {"congress_id": congress_id, "pre_assigned_at": {"$ne": None}}
        return [from_doc(d) for d in await self.collection.find(query, _NO_OUTBOX).to_list()]

    async def decisions(self, congress_id: str) -> list[Doc]:
        """What staff decided for the congress's assigned cases: text and units, for routing."""
        query = {"congress_id": congress_id, "status": CaseStatus.ASSIGNED.value}
        projection = {"title": 1, "body": 1, "field": 1, "assignment.lead": 1, "assignment.co_units": 1}
        return list(await self.collection.find(query, projection).to_list())


_NO_OUTBOX = {"outbox": 0, "applied_events": 0}


# --- documents -----------------------------------------------------------------------------------


def to_doc(case: Case) -> Doc:
    """The stored form of a case (without applied events, trace and outbox)."""
    doc: Doc = {
        "_id": case.id,
        "congress_id": case.congress_id,
        "number": case.number,
        "title": case.title,
        "body": case.body,
        "field": case.field,
        "session": case.session,
        "lead_deputy": case.lead_deputy.model_dump(),
        "co_signers": [d.model_dump() for d in case.co_signers],
        "confidential": case.confidential,
        "registered_at": case.registered_at,
        "received_at": case.received_at,
        "status": case.status.value,
        "complex": case.complex,
        "tasks": [_task_doc(t) for t in case.tasks],
        "rounds": [_round_doc(r) for r in case.rounds],
        "final": case.final,
        "pre_assigned_at": case.pre_assigned_at,
        "pre_assigned_by": case.pre_assigned_by,
        "assignment": _assignment_doc(case.assignment) if case.assignment else None,
        "reassignments": [_reassignment_doc(r) for r in case.reassignments],
        "leader": (
            {"leader": case.leader.leader.model_dump(), "at": case.leader.at, "by": case.leader.by}
            if case.leader
            else None
        ),
        "merged_from": list(case.merged_from),
        "merged_into": case.merged_into,
        "revision": case.revision,
        "unit_ids": case.unit_ids(),
    }
    due = case.next_due_at()
    if due is not None:  # absent otherwise: the sparse index holds only cases the sweep must visit
        doc["next_due_at"] = due
    return doc


def _task_doc(t: UnitTask) -> Doc:
    return {
        "unit_id": t.unit_id,
        "name": t.name,
        "role": t.role,
        "state": t.state.value,
        "opened_at": t.opened_at,
        "closes_at": t.closes_at,
        "round": t.round,
        "coordinator": t.coordinator,
        "answered_at": t.answered_at,
        "answered_by": t.answered_by,
        "reason": t.reason,
        "suggested_unit_id": t.suggested_unit_id,
    }


def _round_doc(r: Round) -> Doc:
    return {
        "number": r.number,
        "opened_at": r.opened_at,
        "objections": [vars(o) for o in r.objections],
        "meetings": [{**vars(m), "participants": list(m.participants)} for m in r.meetings],
        "decision": (
            {**vars(r.decision), "co_unit_ids": list(r.decision.co_unit_ids), "released": list(r.decision.released)}
            if r.decision
            else None
        ),
    }


def _deadlines_doc(d: Deadlines) -> Doc:
    return {
        "reply_due_on": d.reply_due_on.isoformat(),
        "reply_due_at": d.reply_due_at,
        "co_opinion_due_on": d.co_opinion_due_on.isoformat(),
        "co_opinion_due_at": d.co_opinion_due_at,
        "months": d.months,
        "complex": d.complex,
    }


def _assignment_doc(a: Assignment) -> Doc:
    return {
        "lead": a.lead.model_dump(),
        "co_units": [u.model_dump() for u in a.co_units],
        "assigned_at": a.assigned_at,
        "assigned_by": a.assigned_by,
        "deadlines": _deadlines_doc(a.deadlines),
        "calendar_covered": a.calendar_covered,
        "batch_id": a.batch_id,
    }


def _reassignment_doc(r: Reassignment) -> Doc:
    return {
        "at": r.at,
        "by": r.by,
        "reason": r.reason,
        "previous_lead": r.previous_lead.model_dump(),
        "previous_co_units": [u.model_dump() for u in r.previous_co_units],
        "lead": r.lead.model_dump(),
        "co_units": [u.model_dump() for u in r.co_units],
        "deadlines_restarted": r.deadlines_restarted,
    }


def from_doc(doc: Doc) -> Case:
    """A case from its stored form."""
    leader = doc.get("leader")
    return Case(
        id=doc["_id"],
        congress_id=doc["congress_id"],
        number=doc["number"],
        title=doc["title"],
        body=doc.get("body", ""),
        field=doc["field"],
        session=doc.get("session", ""),
        lead_deputy=DeputyRef(**doc["lead_deputy"]),
        co_signers=tuple(DeputyRef(**d) for d in doc.get("co_signers", [])),
        confidential=bool(doc.get("confidential", False)),
        registered_at=doc["registered_at"],
        received_at=doc["received_at"],
        status=CaseStatus(doc["status"]),
        complex=bool(doc.get("complex", False)),
        tasks=tuple(_task(t) for t in doc.get("tasks", [])),
        rounds=tuple(_round(r) for r in doc.get("rounds", [])),
        final=bool(doc.get("final", False)),
        pre_assigned_at=doc.get("pre_assigned_at"),
        pre_assigned_by=doc.get("pre_assigned_by", ""),
        assignment=_assignment(doc["assignment"]) if doc.get("assignment") else None,
        reassignments=tuple(_reassignment(r) for r in doc.get("reassignments", [])),
        leader=LeaderLed(leader=LeaderRef(**leader["leader"]), at=leader["at"], by=leader["by"]) if leader else None,
        merged_from=tuple(doc.get("merged_from", [])),
        merged_into=doc.get("merged_into"),
        revision=int(doc.get("revision", 1)),
        traceparent=str((doc.get("trace") or {}).get("traceparent") or ""),
    )


def _task(d: Doc) -> UnitTask:
    return UnitTask(
        unit_id=d["unit_id"],
        name=d.get("name", ""),
        role=d["role"],
        state=TaskState(d["state"]),
        opened_at=d["opened_at"],
        closes_at=d["closes_at"],
        round=int(d.get("round", 0)),
        coordinator=d.get("coordinator", ""),
        answered_at=d.get("answered_at"),
        answered_by=d.get("answered_by", ""),
        reason=d.get("reason", ""),
        suggested_unit_id=d.get("suggested_unit_id"),
    )


def _round(d: Doc) -> Round:
    decision = d.get("decision")
    return Round(
        number=int(d["number"]),
        opened_at=d["opened_at"],
        objections=tuple(Objection(**o) for o in d.get("objections", [])),
        meetings=tuple(Meeting(**{**m, "participants": tuple(m["participants"])}) for m in d.get("meetings", [])),
        decision=(
            Decision(
                **{
                    **decision,
                    "co_unit_ids": tuple(decision["co_unit_ids"]),
                    "released": tuple(decision.get("released", ())),
                }
            )
            if decision
            else None
        ),
    )


def _deadlines(d: Doc) -> Deadlines:
    return Deadlines(
        reply_due_on=date.fromisoformat(d["reply_due_on"]),
        reply_due_at=d["reply_due_at"],
        co_opinion_due_on=date.fromisoformat(d["co_opinion_due_on"]),
        co_opinion_due_at=d["co_opinion_due_at"],
        months=int(d["months"]),
        complex=bool(d.get("complex", False)),
    )


def _assignment(d: Doc) -> Assignment:
    return Assignment(
        lead=UnitRef(**d["lead"]),
        co_units=tuple(UnitRef(**u) for u in d.get("co_units", [])),
        assigned_at=d["assigned_at"],
        assigned_by=d["assigned_by"],
        deadlines=_deadlines(d["deadlines"]),
        calendar_covered=bool(d.get("calendar_covered", True)),
        batch_id=d.get("batch_id"),
    )


def _reassignment(d: Doc) -> Reassignment:
    return Reassignment(
        at=d["at"],
        by=d["by"],
        reason=d["reason"],
        previous_lead=UnitRef(**d["previous_lead"]),
        previous_co_units=tuple(UnitRef(**u) for u in d.get("previous_co_units", [])),
        lead=UnitRef(**d["lead"]),
        co_units=tuple(UnitRef(**u) for u in d.get("co_units", [])),
        deadlines_restarted=bool(d["deadlines_restarted"]),
    )
