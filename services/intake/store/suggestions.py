"""The `suggestions` collection: each suggestion with its versions, returns and outbox."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING

from services.intake.domain import (
    CoSigner,
    CoSignStatus,
    Origin,
    PassUp,
    ReturnNote,
    ReturnReason,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    TransferRef,
    Version,
)
from shared import similarity
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events, with_events
from shared.contracts.intake import DeputyRef
from shared.errors import Conflict, NotFound
from shared.mongo import AsyncDatabase, Doc, DuplicateKeyError, PyMongoError
from shared.tracing import current_trace_context

log = logging.getLogger("services.intake")
SUGGESTIONS = "suggestions"
COUNTERS = "number_counters"
# Statuses a new submission is compared with (drafts and withdrawn ones are nobody's business).
COMPARED = [s.value for s in SuggestionStatus if s not in (SuggestionStatus.DRAFT, SuggestionStatus.WITHDRAWN)]
# Overlap when catching up with changes, so writes from other processes with close clocks are not missed.
REFRESH_OVERLAP = timedelta(seconds=10)
REFRESH_EVERY = timedelta(seconds=1)
REGISTER_ATTEMPTS = 200


@dataclass
class _SessionIndex:
    """One session's similarity index and how far it has caught up."""

    index: similarity.SimilarityIndex = field(default_factory=similarity.SimilarityIndex)
    seen: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    versions: dict[str, datetime] = field(default_factory=dict)
    dirty: bool = True


@dataclass(frozen=True)
class SuggestionFilter:
    """What staff filter a list by."""

    status: str | None = None
    field: str | None = None
    kind: str | None = None
    deputy: str | None = None
    delegation: str | None = None
    session: str | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    q: str | None = None


class SuggestionStore:
    """Loads and saves suggestions; every save carries its events in the same single-document write."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay) -> None:
        self.collection = db[SUGGESTIONS]
        self.counters = db[COUNTERS]
        self.events = events
        self.relay = relay
        self._register_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._indexes: dict[tuple[str, str], _SessionIndex] = {}
        self._index_locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def ensure_indexes(self) -> None:
        """Create the indexes intake relies on."""
        c = self.collection
        await c.create_index(
            [("congress_id", 1), ("session", 1), ("sequence", 1)],
            name="number_unique",
            unique=True,
            partialFilterExpression={"sequence": {"$exists": True}},
        )
        await c.create_index([("congress_id", 1), ("status", 1), ("submitted_at", DESCENDING)])
        await c.create_index([("congress_id", 1), ("readers", 1)])
        await c.create_index([("congress_id", 1), ("search_terms", 1)])
        await c.create_index([("congress_id", 1), ("session", 1), ("updated_at", 1)])
        await c.create_index([("congress_id", 1), ("co_signers.id", 1), ("status", 1)])
        await c.create_index("opinion_id", sparse=True)
        await c.create_index([("transfer_from.suggestion_id", 1)], sparse=True)

    # --- load and save -------------------------------------------------------------------------

    async def add(self, s: Suggestion, *, import_ref: str | None = None) -> bool:
        """Insert a new suggestion with its events; the case's trace starts here. False if the id exists."""
        doc = _to_doc(s)
        doc["trace"] = current_trace_context()
        if import_ref:
            doc["import_ref"] = import_ref
        try:
            await self.collection.insert_one(with_events(doc, self._outbox(s)))
        except DuplicateKeyError:
            return False
        self._touched(s)
        self.relay.wake()
        return True

    async def add_many(self, items: list[Suggestion], *, import_ref: str) -> int:
        """Insert many new suggestions (an import); ones already there (same id) are skipped."""
        trace = current_trace_context()
        # tokenizing a thousand bodies takes seconds: not on the event loop
        prepared = await asyncio.to_thread(lambda: [_to_doc(s) for s in items])
        docs = []
        for s, doc in zip(items, prepared, strict=True):
            doc["trace"] = trace
            doc["import_ref"] = import_ref
            docs.append(with_events(doc, self._outbox(s)))
        inserted = 0
        for start in range(0, len(docs), 500):
            batch = docs[start : start + 500]
            try:
                result = await self.collection.insert_many(batch, ordered=False)
                inserted += len(result.inserted_ids)
            except Exception as exc:
                details = getattr(exc, "details", None) or {}
                errors = details.get("writeErrors", [])
                if any(e.get("code") != 11000 for e in errors) or not errors:
                    raise
                inserted += int(details.get("nInserted", 0))
        self._touched(*items)
        self.relay.wake()
        return inserted

    async def trace_of(self, congress_id: str, suggestion_id: str) -> dict[str, str]:
        """The trace context a suggestion's case was started with."""
        doc = await self.collection.find_one({"_id": suggestion_id, "congress_id": congress_id}, {"trace": 1})
        return dict((doc or {}).get("trace") or {})

    async def find(self, suggestion_id: str) -> Suggestion | None:
        """A suggestion by id, whatever its congress (for consumers)."""
        doc = await self.collection.find_one({"_id": suggestion_id})
        return _from_doc(doc) if doc else None

    async def get(self, congress_id: str, suggestion_id: str) -> Suggestion:
        """A suggestion of the congress, or NotFound."""
        doc = await self.collection.find_one({"_id": suggestion_id, "congress_id": congress_id})
        if doc is None:
            raise NotFound("suggestion.not_found", "No such suggestion.", suggestion_id=suggestion_id)
        return _from_doc(doc)

    async def get_many(self, congress_id: str, ids: list[str]) -> list[Suggestion]:
        """Suggestions of the congress by id, in the order asked; NotFound if one is missing."""
        docs = {
            d["_id"]: d for d in await self.collection.find({"_id": {"$in": ids}, "congress_id": congress_id}).to_list()
        }
        missing = [i for i in ids if i not in docs]
        if missing:
            raise NotFound("suggestion.not_found", "No such suggestion.", suggestion_ids=missing)
        return [_from_doc(docs[i]) for i in ids]

    async def save(self, before: Suggestion, after: Suggestion, extra: Doc | None = None) -> None:
        """Store a change if nobody changed the suggestion meanwhile (else Conflict)."""
        if not await self._save(before, after, extra):
            raise Conflict("suggestion.changed", "The suggestion changed meanwhile; reload and try again.")

    async def _save(self, before: Suggestion, after: Suggestion, extra: Doc | None = None) -> bool:
        same_text = (before.title, before.body) == (after.title, after.body)
        fields = {**_to_doc(after, with_terms=not same_text), **(extra or {})}
        del fields["_id"]
        result = await self.collection.update_one(
            {"_id": before.id, "congress_id": before.congress_id, "revision": before.revision},
            add_events({"$set": fields}, self._outbox(after)),
        )
        if result.matched_count == 0:
            return False
        self._touched(after)
        if after.events:
            self.relay.wake()
        return True

    def _touched(self, *items: Suggestion) -> None:
        for s in items:
            state = self._indexes.get((s.congress_id, s.session))
            if state is not None:
                state.dirty = True

    def _outbox(self, s: Suggestion) -> list[Doc]:
        return [self.events.entry(e, subject=s.id, congress_id=s.congress_id) for e in s.events]

    # --- registration ----------------------------------------------------------------------------

    def register_lock(self, congress_id: str, session: str) -> asyncio.Lock:
        """Registrations of one session in this process take turns (other processes retry on the index)."""
        return self._register_locks.setdefault((congress_id, session), asyncio.Lock())

    async def next_sequence(self, congress_id: str, session: str, *, exact: bool = False) -> int:
        """One more than the highest number given in the congress and session.

        The session's counter document answers cheaply. It is raised only after a registration is
        stored, so it is never ahead of the truth; when it lags (a crash in between), the number it
        gives is taken, the unique index refuses it, and the caller asks again with `exact`.
        """
        key = f"{congress_id}:{session}"
        if not exact:
            counter = await self.counters.find_one({"_id": key})
            if counter is not None:
                return int(counter["last"]) + 1
        top = await self.collection.find_one(
            {"congress_id": congress_id, "session": session, "sequence": {"$exists": True}},
            {"sequence": 1},
            sort=[("sequence", DESCENDING)],
        )
        last = int(top["sequence"]) if top else 0
        await self.counters.update_one({"_id": key}, {"$max": {"last": last}}, upsert=True)
        return last + 1

    async def save_registration(self, before: Suggestion, after: Suggestion) -> bool:
        """Store a registration; False when the number was taken meanwhile (take the next one)."""
        try:
            saved = await self._save(before, after)
        except DuplicateKeyError:
            return False
        if saved and after.sequence is not None:
            try:
                await self.counters.update_one(
                    {"_id": f"{after.congress_id}:{after.session}"}, {"$max": {"last": after.sequence}}, upsert=True
                )
            except PyMongoError:
                # only a hint: the registration is stored; a lagging counter is corrected on the next one
                log.warning("could not raise the number counter of %s:%s", after.congress_id, after.session)
        return saved

    # --- reading -------------------------------------------------------------------------------

    async def page(
        self, congress_id: str, f: SuggestionFilter, *, reader: str | None, skip: int, limit: int
    ) -> tuple[list[Suggestion], int]:
        """A page of suggestions matching the filter (staff: all but drafts; a deputy: theirs), newest first."""
        query = self._query(congress_id, f, reader)
        total = await self.collection.count_documents(query)
        cursor = self.collection.find(query).sort([("submitted_at", DESCENDING), ("created_at", DESCENDING)])
        docs = await cursor.skip(skip).limit(limit).to_list()
        return [_from_doc(d) for d in docs], total

    async def all_matching(self, congress_id: str, f: SuggestionFilter, limit: int) -> list[Suggestion]:
        """Every suggestion matching the filter, for an export (staff view), oldest number first."""
        cursor = self.collection.find(self._query(congress_id, f, None)).sort(
            [("sequence", ASCENDING), ("created_at", ASCENDING)]
        )
        return [_from_doc(d) for d in await cursor.limit(limit).to_list()]

    def _query(self, congress_id: str, f: SuggestionFilter, reader: str | None) -> Doc:
        query: dict[str, Any] = {"congress_id": congress_id}
        if reader is not None:
            query["readers"] = reader
        else:
            # staff never see what only its deputies know of (see Suggestion.private)
            query["$nor"] = [
                {"status": SuggestionStatus.DRAFT.value},
                {"status": SuggestionStatus.WITHDRAWN.value, "versions.0": {"$exists": False}},
            ]
        if f.status:
            query["status"] = f.status
        for key, value in (("field", f.field), ("kind", f.kind), ("session", f.session)):
            if value:
                query[key] = value
        if f.deputy:
            query["authors"] = f.deputy
        if f.delegation:
            query["delegations"] = f.delegation
        if f.submitted_from or f.submitted_to:
            span: dict[str, datetime] = {}
            if f.submitted_from:
                span["$gte"] = f.submitted_from
            if f.submitted_to:
                span["$lt"] = f.submitted_to
            query["submitted_at"] = span
        if f.q:
            terms = similarity.query_terms(f.q)
            query["search_terms"] = {"$all": terms} if terms else "\x00"
        return query

    async def invitations(self, congress_id: str, deputy_id: str) -> list[Suggestion]:
        """Drafts and returned suggestions a deputy was asked to co-sign and has not answered."""
        docs = await self.collection.find(
            {
                "congress_id": congress_id,
                "co_signers": {"$elemMatch": {"id": deputy_id, "status": CoSignStatus.PENDING.value}},
                "status": {"$in": [SuggestionStatus.DRAFT.value, SuggestionStatus.RETURNED.value]},
            }
        ).to_list(500)
        return [_from_doc(d) for d in docs]

    async def catalogue(
        self, congress_id: str, *, session: str | None, field: str | None, skip: int, limit: int
    ) -> tuple[list[Suggestion], int]:
        """The public catalogue (建议目录): registered, non-confidential suggestions, by number."""
        query: dict[str, Any] = {
            "congress_id": congress_id,
            "sequence": {"$exists": True},
            "confidential": False,
            "status": {
                "$in": [
                    SuggestionStatus.REGISTERED.value,
                    SuggestionStatus.MERGED.value,
                    SuggestionStatus.PASSED_UP.value,
                ]
            },
        }
        if session:
            query["session"] = session
        if field:
            query["field"] = field
        total = await self.collection.count_documents(query)
        cursor = self.collection.find(query).sort([("session", ASCENDING), ("sequence", ASCENDING)])
        return [_from_doc(d) for d in await cursor.skip(skip).limit(limit).to_list()], total

    async def by_opinion(self, opinion_id: str) -> Suggestion | None:
        """The suggestion a liaison-station opinion became, if any."""
        doc = await self.collection.find_one({"opinion_id": opinion_id})
        return _from_doc(doc) if doc else None

    async def merged_into(self, primary_id: str) -> list[Suggestion]:
        """Suggestions that name `primary_id` as the case they are handled in."""
        return [_from_doc(d) for d in await self.collection.find({"merged_into": primary_id}).to_list()]

    async def unfinished_merges(self) -> list[Suggestion]:
        """Primaries whose merged suggestions were not all marked merged yet (a crash in between)."""
        docs = await self.collection.find({"merged.0": {"$exists": True}, "merge_done": {"$ne": True}}).to_list()
        return [_from_doc(d) for d in docs]

    async def mark_merge_done(self, primary: Suggestion) -> None:
        """Remember that every suggestion merged into `primary` is marked."""
        await self.collection.update_one(
            {"_id": primary.id, "merged": list(primary.merged)}, {"$set": {"merge_done": True}}
        )

    # --- similarity ------------------------------------------------------------------------------

    async def similar(self, s: Suggestion, limit: int = 5) -> list[similarity.Match]:
        """The most similar suggestions of the same congress and session, with scores and shared terms."""
        index = await self._index(s.congress_id, s.session)
        stored = await self.collection.find_one({"_id": s.id, "title": s.title, "body": s.body}, {"terms": 1})
        counts = stored["terms"] if stored and stored.get("terms") else similarity.term_counts(s.title, s.body)
        return index.most_similar(counts, limit=limit, exclude={s.id})

    async def _index(self, congress_id: str, session: str) -> similarity.SimilarityIndex:
        """The session's index, caught up with every change since it was last used.

        A cheap look at what changed recently (ids and times only), then the terms of just the
        documents that really changed.
        """
        key = (congress_id, session)
        async with self._index_locks.setdefault(key, asyncio.Lock()):
            state = self._indexes.setdefault(key, _SessionIndex())
            now = datetime.now(UTC)
            # this process's own writes are seen at once; other processes' within REFRESH_EVERY
            if not state.dirty and now - state.seen < REFRESH_EVERY:
                return state.index
            state.dirty = False
            recent = await self.collection.find(
                {"congress_id": congress_id, "session": session, "updated_at": {"$gte": state.seen - REFRESH_OVERLAP}},
                {"updated_at": 1},
            ).to_list()
            changed = [d["_id"] for d in recent if state.versions.get(d["_id"]) != d["updated_at"]]
            for start in range(0, len(changed), 500):
                docs = self.collection.find(
                    {"_id": {"$in": changed[start : start + 500]}},
                    dict.fromkeys(("terms", "status", "number", "title", "updated_at", "confidential", "readers"), 1),
                )
                async for doc in docs:
                    state.versions[doc["_id"]] = doc["updated_at"]
                    if doc.get("status") in COMPARED and doc.get("terms"):
                        meta = {
                            "number": doc.get("number"),
                            "title": doc.get("title"),
                            "status": doc.get("status"),
                            "confidential": bool(doc.get("confidential")),
                            "readers": list(doc.get("readers", [])),
                        }
                        state.index.upsert(doc["_id"], doc["terms"], meta)
                    else:
                        state.index.remove(doc["_id"])
            state.seen = now
            return state.index


def _to_doc(s: Suggestion, with_terms: bool = True) -> Doc:
    """The stored form; `with_terms` False leaves the (costly) search terms as they are."""
    readers = sorted({s.lead_deputy.id, *(c.id for c in s.signers()), *(a.id for a in s.merged_authors)})
    authors = s.authors()
    doc: Doc = {
        "_id": s.id,
        "congress_id": s.congress_id,
        "session": s.session,
        "title": s.title,
        "body": s.body,
        "field": s.field,
        "kind": s.kind.value,
        "origin": s.origin.value,
        "lead_deputy": s.lead_deputy.model_dump(),
        "co_signers": [
            {
                "id": c.id,
                "name": c.name,
                "delegation": c.delegation,
                "status": c.status.value,
                "responded_at": c.responded_at,
            }
            for c in s.co_signers
        ],
        "confidential": s.confidential,
        "status": s.status.value,
        "created_at": s.created_at,
        "updated_at": datetime.now(UTC),
        "revision": s.revision,
        "versions": [
            {
                "number": v.number,
                "title": v.title,
                "body": v.body,
                "field": v.field,
                "kind": v.kind,
                "co_signers": list(v.co_signers),
                "submitted_at": v.submitted_at,
            }
            for v in s.versions
        ],
        "returns": [
            {"version": r.version, "reason_code": r.reason_code.value, "text": r.text, "by": r.by, "at": r.at}
            for r in s.returns
        ],
        "submitted_at": s.submitted_at,
        "number": s.number,
        "sequence": s.sequence,
        "registered_at": s.registered_at,
        "registered_by": s.registered_by,
        "merged_into": s.merged_into,
        "merged": list(s.merged),
        "merged_authors": [a.model_dump() for a in s.merged_authors],
        "opinion_id": s.opinion_id,
        "transfer_from": None if s.transfer_from is None else vars(s.transfer_from).copy(),
        "passed_up": None if s.passed_up is None else vars(s.passed_up).copy(),
        # derived, for queries: who may read it, who wrote it, their delegations, words to search by
        "readers": readers,
        "authors": [a.id for a in authors],
        "delegations": sorted({a.delegation for a in authors if a.delegation}),
    }
    if with_terms:
        doc["search_terms"] = similarity.search_terms(f"{s.title}\n{s.body}")
        doc["terms"] = similarity.term_counts(s.title, s.body)
    # a partial unique index must not see an explicit null sequence
    return {k: v for k, v in doc.items() if not (k == "sequence" and v is None)}


def _from_doc(doc: Doc) -> Suggestion:
    transfer = doc.get("transfer_from")
    passed = doc.get("passed_up")
    return Suggestion(
        id=doc["_id"],
        congress_id=doc["congress_id"],
        session=doc["session"],
        title=doc["title"],
        body=doc["body"],
        field=doc["field"],
        kind=SuggestionKind(doc["kind"]),
        origin=Origin(doc["origin"]),
        lead_deputy=DeputyRef(**doc["lead_deputy"]),
        co_signers=tuple(
            CoSigner(
                id=c["id"],
                name=c.get("name", ""),
                delegation=c.get("delegation", ""),
                status=CoSignStatus(c.get("status", "pending")),
                responded_at=c.get("responded_at"),
            )
            for c in doc.get("co_signers", [])
        ),
        confidential=bool(doc.get("confidential", False)),
        status=SuggestionStatus(doc["status"]),
        created_at=doc["created_at"],
        revision=int(doc.get("revision", 1)),
        versions=tuple(
            Version(
                number=v["number"],
                title=v["title"],
                body=v["body"],
                field=v["field"],
                kind=v["kind"],
                co_signers=tuple(v.get("co_signers", ())),
                submitted_at=v["submitted_at"],
            )
            for v in doc.get("versions", [])
        ),
        returns=tuple(
            ReturnNote(
                version=r["version"], reason_code=ReturnReason(r["reason_code"]), text=r["text"], by=r["by"], at=r["at"]
            )
            for r in doc.get("returns", [])
        ),
        number=doc.get("number"),
        sequence=doc.get("sequence"),
        registered_at=doc.get("registered_at"),
        registered_by=doc.get("registered_by"),
        merged_into=doc.get("merged_into"),
        merged=tuple(doc.get("merged", ())),
        merged_authors=tuple(DeputyRef(**a) for a in doc.get("merged_authors", [])),
        opinion_id=doc.get("opinion_id"),
        transfer_from=TransferRef(**transfer) if transfer else None,
        passed_up=PassUp(**passed) if passed else None,
    )
