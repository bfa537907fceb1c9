"""The transactional outbox, without transactions.

A state change and the events it causes are written in one single-document update: pending
events live in the `outbox` array of the aggregate document, each with its trace context. The
relay publishes them with confirms, in order, and only then pulls them from the document. It runs
at start-up (a crash between the write and the publish loses nothing), whenever a write adds
events (`wake()`), and on a slow poll as a safety net. A crash after the publish and before the
pull publishes again: consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne

from shared.bus.publisher import EventPublisher
from shared.contracts.envelope import EventData, new_envelope
from shared.failpoints import failpoint
from shared.mongo import AsyncDatabase, Doc
from shared.tracing import current_trace_context

log = logging.getLogger("shared.outbox")
OUTBOX = "outbox"
# Set while a document has pending events: what the relay looks up (a sparse index), oldest first.
OUTBOX_SINCE = "outbox_since"
BATCH = 200
# Documents published at once; each document's own events stay in order.
PUBLISH_CONCURRENCY = 32


def add_events(update: Doc, entries: list[Doc]) -> Doc:
    """Add outbox entries to an update document, beside the state change it already holds."""
    if not entries:
        return update
    merged = dict(update)
    push = dict(merged.get("$push", {}))
    push[OUTBOX] = {"$each": entries}
    merged["$push"] = push
    earliest = dict(merged.get("$min", {}))
    earliest[OUTBOX_SINCE] = min(e["created_at"] for e in entries)
    merged["$min"] = earliest
    return merged


def with_events(doc: Doc, entries: list[Doc]) -> Doc:
    """A new aggregate document carrying its first events."""
    out = {**doc, OUTBOX: list(entries)}
    if entries:
        out[OUTBOX_SINCE] = min(e["created_at"] for e in entries)
    return out


class EventFactory:
    """Makes outbox entries for one service: envelope plus the trace context of the moment."""

    def __init__(self, service: str) -> None:
        self.service = service

    def entry(self, data: EventData, *, subject: str, congress_id: str) -> Doc:
        """An outbox entry for `data` about case `subject`, to $push in the same update as the change."""
        carrier = current_trace_context()
        envelope = new_envelope(
            data,
            source=f"/congress/{congress_id}/{self.service}",
            subject=subject,
            congress_id=congress_id,
            traceparent=carrier.get("traceparent"),
            tracestate=carrier.get("tracestate"),
        )
        return {
            "id": envelope.id,
            "type": envelope.type,
            "event": envelope.model_dump(mode="json"),
            "trace": carrier,
            "created_at": datetime.now(UTC),
        }


class OutboxRelay:
    """Publishes the pending events of a service's aggregate collections."""

    def __init__(
        self,
        db: AsyncDatabase[Doc],
        collections: list[str],
        publisher: EventPublisher,
        *,
        poll_seconds: float = 5.0,
    ) -> None:
        self.db = db
        self.collections = collections
        self.publisher = publisher
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published = 0

    async def ensure_indexes(self) -> None:
        """Index what the relay looks up."""
        for name in self.collections:
            await self.db[name].create_index(OUTBOX_SINCE, name="outbox_since", sparse=True)

    def wake(self) -> None:
        """Tell the relay a write added events."""
        self._wake.set()

    def start(self) -> None:
        """Start the relay loop; it drains at once."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop the relay loop (pending events stay in the documents)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            self._wake.clear()
            try:
                await self.drain()
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox relay could not publish (%r); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.poll_seconds)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

    async def drain(self) -> int:
        """Publish every event pending now; returns how many were published.

        Documents are published concurrently (each document's events in order), then the published
        entries are pulled and the markers cleared in one bulk write per batch.
        """
        total = 0
        for name in self.collections:
            collection = self.db[name]
            while True:
                docs = (
                    await collection.find({OUTBOX_SINCE: {"$exists": True}}, {OUTBOX: 1})
                    .sort(OUTBOX_SINCE, 1)
                    .to_list(BATCH)
                )
                if not docs:
                    break
                total += await self._publish_batch(name, docs)
                if len(docs) < BATCH:
                    break
        self.published += total
        return total

    async def _publish_batch(self, collection: str, docs: list[dict[str, Any]]) -> int:
        limit = asyncio.Semaphore(PUBLISH_CONCURRENCY)
        published: dict[Any, list[str]] = {}

        async def publish_document(doc: dict[str, Any]) -> None:
            async with limit:
                for entry in doc.get(OUTBOX, []):
                    failpoint("outbox.before_publish")
                    await self.publisher.publish(entry["event"], entry.get("trace"))
                    published.setdefault(doc["_id"], []).append(entry["id"])

        results = await asyncio.gather(*(publish_document(d) for d in docs), return_exceptions=True)
        # Whatever went out is removed, even when some of the batch failed. Usually the outbox is
        # exactly what was read and all of it went out: one write empties it and clears the marker.
        # If a write added events meanwhile, that write misses and the slower pair runs instead.
        whole = [d["_id"] for d in docs if published.get(d["_id"]) and len(published[d["_id"]]) == len(d[OUTBOX])]
        missed = set(published) | {d["_id"] for d in docs if not d.get(OUTBOX)}
        if missed:
            failpoint("outbox.before_remove")
        if whole:
            emptied = [
                UpdateOne(
                    {
                        "_id": doc_id,
                        f"{OUTBOX}.id": {"$all": published[doc_id]},
                        OUTBOX: {"$size": len(published[doc_id])},
                    },
                    {"$set": {OUTBOX: []}, "$unset": {OUTBOX_SINCE: ""}},
                )
                for doc_id in whole
            ]
            result = await self.db[collection].bulk_write(emptied, ordered=False)
            if result.modified_count == len(whole):
                missed -= set(whole)
            else:
                still = (
                    await self.db[collection]
                    .find({"_id": {"$in": whole}, OUTBOX_SINCE: {"$exists": True}}, {"_id": 1})
                    .to_list()
                )
                missed -= set(whole) - {d["_id"] for d in still}
        ops: list[UpdateOne] = []
        for doc_id in missed:
            ids = published.get(doc_id, [])
            if ids:
                ops.append(UpdateOne({"_id": doc_id}, {"$pull": {OUTBOX: {"id": {"$in": ids}}}}))
            # only when nothing is pending: a write that added events meanwhile keeps the marker
            ops.append(UpdateOne({"_id": doc_id, OUTBOX: {"$size": 0}}, {"$unset": {OUTBOX_SINCE: ""}}))
        if ops:
            await self.db[collection].bulk_write(ops, ordered=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]
        return sum(len(v) for v in published.values())
