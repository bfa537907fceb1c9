"""Evaluation's collections for the year's units and honours.

- `unit_cases`: one document per case (`_id` the case id), built from supervision's events and evaluation's
  own `evaluation.case.rated.v1`; each event is applied once (its id is recorded in the same update by
  `apply_once`). The unit figures are added up from these documents when read.
- `assessments`: one document per congress and year (`_id` `<congress id>:<year>`), with its outbox.
- `selections`: one document per selection (`_id` a fresh id; one per congress, kind and year), with its outbox.

Every query is scoped by `congress_id`. A change is one conditional single-document update (on `revision`)
carrying its events; the relay publishes them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from services.evaluation.selections import (
    PARTS,
    Assessment,
    Candidate,
    CaseRecord,
    Line,
    PartValue,
    Selection,
    UnitFigures,
    UnitScores,
    unit_figures,
)
from shared.bus import EventFactory, EventHandlers, OutboxRelay
from shared.bus.outbox import add_events, with_events
from shared.contracts import Envelope
from shared.contracts.evaluation import CaseRated
from shared.contracts.supervision import (
    CaseClosed,
    CaseOpened,
    CaseReplied,
    ContactLogged,
    ExtensionDecided,
    HandlingFacts,
)
from shared.errors import Conflict, NotFound
from shared.mongo import AsyncDatabase, Doc, DuplicateKeyError, apply_once
from shared.workdays import local_date

SELECTIONS = "selections"
UNIT_CASES = "unit_cases"
ASSESSMENTS = "assessments"
OUTBOX_COLLECTIONS = [SELECTIONS, ASSESSMENTS]
SAVE_ATTEMPTS = 5
_LEAN = {"outbox": 0, "outbox_since": 0}


class SelectionStore:
    """Unit case records and figures, assessments and selections."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay) -> None:
        self.selections = db[SELECTIONS]
        self.unit_cases = db[UNIT_CASES]
        self.assessments = db[ASSESSMENTS]
        self.events = events
        self.relay = relay
        # assessments carry an outbox too: make sure the relay watches it (a no-op when main.py lists it)
        for name in OUTBOX_COLLECTIONS:
            if name not in relay.collections:
                relay.collections.append(name)

    async def ensure_indexes(self) -> None:
        """Create the indexes the figures, assessments and selections rely on."""
        await self.unit_cases.create_index(
            [("congress_id", 1), ("year", 1), ("lead_unit_id", 1)], name="congress_year_unit"
        )
        await self.selections.create_index(
            [("congress_id", 1), ("kind", 1), ("year", 1)], name="congress_kind_year", unique=True
        )
        await self.selections.create_index([("congress_id", 1), ("year", -1)], name="congress_year")

    # --- events in -----------------------------------------------------------------------------------

    def register(self, handlers: EventHandlers) -> None:
        """Add the handlers of the events the figures need (the lead's `on_case_replied` calls `on_replied`)."""
        handlers.add(CaseOpened, self.on_opened)
        handlers.add(ContactLogged, self.on_contact_logged)
        handlers.add(CaseClosed, self.on_closed)
        handlers.add(ExtensionDecided, self.on_extension_decided)
        handlers.add(CaseRated, self.on_rated)

    async def on_opened(self, event: Envelope[CaseOpened]) -> None:
        """A case entered the ledger: it counts in the local year of the event, for its lead unit."""
        update = {"$set": {"year": local_date(event.time).year, "opened_at": event.time}}
        await self._apply(event, update, facts=event.data)

    async def on_contact_logged(self, event: Envelope[ContactLogged]) -> None:
        """A unit logged a contact with the deputy."""
        await self._apply(event, {"$inc": {"contacts": 1}}, facts=event.data)

    async def on_replied(self, event: Envelope[CaseReplied]) -> None:
        """A reply round reached the deputy, on time or not (a B case's second reply is no new round)."""
        data = event.data
        update: Doc = {}
        if not data.second_reply:
            reply = {"on_time": data.on_time, "category": data.category, "replied_at": data.replied_at}
            update = {"$set": {f"replies.r{data.round}": reply}}
        await self._apply(event, update, facts=data)

    async def on_closed(self, event: Envelope[CaseClosed]) -> None:
        """The case closed (a cancelled case leaves the figures)."""
        data = event.data
        if data.reason == "cancelled":
            update: Doc = {"$set": {"cancelled": True, "closed_at": data.closed_at}}
        else:
            update = {"$set": {"closed": True, "close_reason": data.reason, "closed_at": data.closed_at}}
        await self._apply(event, update, facts=data)

    async def on_extension_decided(self, event: Envelope[ExtensionDecided]) -> None:
        """The reply deadline may have moved: what is overdue follows it."""
        await self._apply(event, {}, facts=event.data)

    async def on_rated(self, event: Envelope[CaseRated]) -> None:
        """The deputies' result of a reply round (the last round's counts)."""
        data = event.data
        await self._apply(event, {"$set": {f"results.r{data.round}": data.result}}, facts=None)

    async def _apply(self, event: Envelope[Any], update: Doc, *, facts: HandlingFacts | None) -> None:
        """Make sure the case's document exists, apply the event's update once, then follow its facts.

        The facts (lead unit, deadline, number, title) are those of the latest event by its time, so events
        arriving out of order leave the case with its latest lead unit; writing them twice changes nothing.
        """
        case_id, congress_id = event.data.case_id, event.data.congress_id
        with contextlib.suppress(DuplicateKeyError):  # inserted meanwhile by another event of the case
            await self.unit_cases.update_one(
                {"_id": case_id}, {"$setOnInsert": {"congress_id": congress_id, "year": None}}, upsert=True
            )
        key = {"_id": case_id, "congress_id": congress_id}
        if update:
            await apply_once(self.unit_cases, key, update, event.id)
        if facts is not None:
            newer = {"$or": [{"facts_at": None}, {"facts_at": {"$lte": event.time}}]}
            fields = {
                "lead_unit_id": facts.lead_unit.unit_id,
                "lead_unit_name": facts.lead_unit.name,
                "reply_due_at": facts.reply_due_at,
                "number": facts.number,
                "title": facts.title,
                "facts_at": event.time,
            }
            await self.unit_cases.update_one({**key, **newer}, {"$set": fields})

    # --- figures -------------------------------------------------------------------------------------

    async def records(self, congress_id: str, year: int, unit_id: str | None = None) -> list[CaseRecord]:
        """The congress's case records of a ledger year (of one lead unit)."""
        query: Doc = {"congress_id": congress_id, "year": year}
        if unit_id is not None:
            query["lead_unit_id"] = unit_id
        docs = await self.unit_cases.find(query, {"applied_events": 0}).to_list()
        return [_record(d) for d in docs]

    async def figures(self, congress_id: str, year: int, *, now: datetime) -> dict[str, UnitFigures]:
        """Every lead unit's figures of the year, by unit id."""
        return unit_figures(await self.records(congress_id, year), now=now)

    async def unit(self, congress_id: str, year: int, unit_id: str, *, now: datetime) -> UnitFigures:
        """One lead unit's figures of the year, or NotFound when it led no case that year."""
        found = unit_figures(await self.records(congress_id, year, unit_id), now=now).get(unit_id)
        if found is None:
            raise NotFound("figures.not_found", "The unit led no case of that year.", unit_id=unit_id, year=year)
        return found

    # --- assessments ---------------------------------------------------------------------------------

    async def assessment(self, congress_id: str, year: int) -> Assessment:
        """The congress's assessment of a year (a fresh draft, not stored, when there is none)."""
        doc = await self.assessments.find_one({"_id": f"{congress_id}:{year}", "congress_id": congress_id}, _LEAN)
        return _assessment(doc) if doc else Assessment(congress_id=congress_id, year=year)

    async def change_assessment(
        self, congress_id: str, year: int, rule: Callable[[Assessment], Assessment]
    ) -> Assessment:
        """Load, apply a rule, save; again from a fresh load when someone changed the assessment meanwhile."""
        for _ in range(SAVE_ATTEMPTS):
            before = await self.assessment(congress_id, year)
            after = rule(replace(before, events=()))
            if after.revision == before.revision and not after.events:
                return after
            if await self._save_assessment(before, after):
                return replace(after, revision=before.revision + 1, events=())
        raise Conflict("assessment.changed", "The assessment kept changing; try again.")

    async def _save_assessment(self, before: Assessment, after: Assessment) -> bool:
        fields = _assessment_doc(after)
        fields["revision"] = before.revision + 1
        entries = [
            self.events.entry(e, subject=f"assessment:{after.year}", congress_id=after.congress_id)
            for e in after.events
        ]
        if before.revision == 0:
            try:
                await self.assessments.insert_one(with_events(fields, entries))
            except DuplicateKeyError:
                return False
        else:
            del fields["_id"]
            result = await self.assessments.update_one(
                {
                    "_id": f"{before.congress_id}:{before.year}",
                    "congress_id": before.congress_id,
                    "revision": before.revision,
                },
                add_events({"$set": fields}, entries),
            )
            if result.matched_count == 0:
                return False
        if entries:
            self.relay.wake()
        return True

    # --- selections ----------------------------------------------------------------------------------

    async def add_selection(self, s: Selection) -> Selection | None:
        """Insert a new selection; None when the congress has one of that kind and year already."""
        entries = self._selection_entries(s)
        try:
            await self.selections.insert_one(with_events(_selection_doc(s), entries))
        except DuplicateKeyError:
            return None
        if entries:
            self.relay.wake()
        return s

    async def selection_of(self, congress_id: str, kind: str, year: int) -> Selection | None:
        """The congress's selection of a kind and year, if any."""
        doc = await self.selections.find_one({"congress_id": congress_id, "kind": kind, "year": year}, _LEAN)
        return _selection(doc) if doc else None

    async def selection(self, congress_id: str, selection_id: str) -> Selection:
        """A selection of the congress, or NotFound."""
        doc = await self.selections.find_one({"_id": selection_id, "congress_id": congress_id}, _LEAN)
        if doc is None:
            raise NotFound("selection.not_found", "No such selection.")
        return _selection(doc)

    async def selection_page(
        self, congress_id: str, *, year: int | None, kind: str | None, skip: int, limit: int
    ) -> tuple[list[Selection], int]:
        """A page of the congress's selections (latest year first) and the count."""
        query: Doc = {"congress_id": congress_id}
        if year is not None:
            query["year"] = year
        if kind is not None:
            query["kind"] = kind
        total = await self.selections.count_documents(query)
        cursor = (
            self.selections.find(query, _LEAN)
            .sort([("year", DESCENDING), ("kind", ASCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return [_selection(d) for d in await cursor.to_list()], total

    async def change_selection(
        self, congress_id: str, selection_id: str, rule: Callable[[Selection], Selection]
    ) -> Selection:
        """Load, apply a rule, save; again from a fresh load when someone changed the selection meanwhile."""
        for _ in range(SAVE_ATTEMPTS):
            before = await self.selection(congress_id, selection_id)
            after = rule(replace(before, events=()))
            if after.revision == before.revision and not after.events:
                return after
            fields = _selection_doc(after)
            del fields["_id"]
            fields["revision"] = before.revision + 1
            entries = self._selection_entries(after)
            result = await self.selections.update_one(
                {"_id": before.id, "congress_id": congress_id, "revision": before.revision},
                add_events({"$set": fields}, entries),
            )
            if result.matched_count == 1:
                if entries:
                    self.relay.wake()
                return replace(after, revision=before.revision + 1, events=())
        raise Conflict("selection.changed", "The selection kept changing; try again.")

    async def delete_selection(self, congress_id: str, selection_id: str) -> None:
        """Remove a draft selection (a published one stays)."""
        s = await self.selection(congress_id, selection_id)
        if s.published:
            raise Conflict("selection.published", "The selection is published; it no longer changes.")
        result = await self.selections.delete_one(
            {"_id": selection_id, "congress_id": congress_id, "state": "draft", "outbox_since": {"$exists": False}}
        )
        if result.deleted_count == 0:
            raise Conflict("selection.changed", "The selection changed meanwhile; read it again.")

    def _selection_entries(self, s: Selection) -> list[Doc]:
        return [self.events.entry(e, subject=f"selection:{s.id}", congress_id=s.congress_id) for e in s.events]


# --- documents -----------------------------------------------------------------------------------------


def _rounds(values: Any) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for key, value in (values or {}).items():
        if isinstance(key, str) and key.startswith("r") and key[1:].isdigit():
            out[int(key[1:])] = value
    return out


def _record(doc: Doc) -> CaseRecord:
    return CaseRecord(
        case_id=doc["_id"],
        lead_unit_id=doc.get("lead_unit_id") or "",
        lead_unit_name=doc.get("lead_unit_name") or "",
        reply_due_at=doc.get("reply_due_at"),
        replies={r: bool(v.get("on_time")) for r, v in _rounds(doc.get("replies")).items()},
        contacts=int(doc.get("contacts", 0)),
        closed=bool(doc.get("closed")),
        cancelled=bool(doc.get("cancelled")),
        results=_rounds(doc.get("results")),
    )


def _line_doc(x: Line) -> Doc:
    return {
        "unit_id": x.unit_id,
        "label": x.label,
        "figures": asdict(x.figures) if x.figures else None,
        "parts": [asdict(p) for p in x.parts],
        "total": x.total,
        "max_total": x.max_total,
        "complete": x.complete,
        "grade": x.grade,
        "rank": x.rank,
        "note": x.note,
    }


def _line(doc: Doc) -> Line:
    return Line(
        unit_id=doc["unit_id"],
        label=doc.get("label", ""),
        figures=UnitFigures(**doc["figures"]) if doc.get("figures") else None,
        parts=tuple(PartValue(**p) for p in doc.get("parts", [])),
        total=float(doc["total"]),
        max_total=float(doc["max_total"]),
        complete=bool(doc["complete"]),
        grade=doc.get("grade"),
        rank=doc.get("rank"),
        note=doc.get("note", ""),
    )


def _assessment_doc(a: Assessment) -> Doc:
    return {
        "_id": f"{a.congress_id}:{a.year}",
        "congress_id": a.congress_id,
        "year": a.year,
        "maxima": {p: float(a.maxima[p]) for p in PARTS},
        "units": [
            {
                "unit_id": u.unit_id,
                "label": u.label,
                "scores": dict(u.scores),
                "notes": dict(u.notes),
                "note": u.note,
                "scored_at": u.scored_at,
                "scored_by": u.scored_by,
            }
            for u in a.units
        ],
        "state": a.state,
        "lines": [_line_doc(x) for x in a.lines],
        "published_at": a.published_at,
        "published_by": a.published_by,
        "changed_at": a.changed_at,
        "changed_by": a.changed_by,
        "revision": a.revision,
    }


def _assessment(doc: Doc) -> Assessment:
    return Assessment(
        congress_id=doc["congress_id"],
        year=int(doc["year"]),
        maxima={p: float(doc["maxima"][p]) for p in PARTS},
        units=tuple(
            UnitScores(
                unit_id=u["unit_id"],
                label=u.get("label", ""),
                scores={p: float(u["scores"][p]) for p in PARTS if p in u.get("scores", {})},
                notes={p: u["notes"][p] for p in PARTS if p in u.get("notes", {})},
                note=u.get("note", ""),
                scored_at=u.get("scored_at"),
                scored_by=u.get("scored_by", ""),
            )
            for u in doc.get("units", [])
        ),
        state=doc.get("state", "draft"),
        lines=tuple(_line(x) for x in doc.get("lines", [])),
        published_at=doc.get("published_at"),
        published_by=doc.get("published_by", ""),
        changed_at=doc.get("changed_at"),
        changed_by=doc.get("changed_by", ""),
        revision=int(doc.get("revision", 1)),
    )


def _selection_doc(s: Selection) -> Doc:
    return {
        "_id": s.id,
        "congress_id": s.congress_id,
        "kind": s.kind,
        "year": s.year,
        "candidates": [asdict(c) for c in s.candidates],
        "population": s.population,
        "chosen": list(s.chosen),
        "state": s.state,
        "share": s.share,
        "created_at": s.created_at,
        "created_by": s.created_by,
        "chosen_at": s.chosen_at,
        "chosen_by": s.chosen_by,
        "published_at": s.published_at,
        "published_by": s.published_by,
        "revision": s.revision,
    }


def _selection(doc: Doc) -> Selection:
    return Selection(
        id=doc["_id"],
        congress_id=doc["congress_id"],
        kind=doc["kind"],
        year=int(doc["year"]),
        candidates=tuple(Candidate(**c) for c in doc.get("candidates", [])),
        population=doc.get("population"),
        created_at=doc["created_at"],
        created_by=doc.get("created_by", ""),
        chosen=tuple(doc.get("chosen", [])),
        state=doc.get("state", "draft"),
        chosen_at=doc.get("chosen_at"),
        chosen_by=doc.get("chosen_by", ""),
        published_at=doc.get("published_at"),
        published_by=doc.get("published_by", ""),
        revision=int(doc.get("revision", 1)),
    )


__all__ = ["ASSESSMENTS", "OUTBOX_COLLECTIONS", "SELECTIONS", "UNIT_CASES", "SelectionStore"]
