"""MongoDB through PyMongo's AsyncMongoClient: one database per service, idempotent writes.

Code here must run on MongoDB 7 and on SecantusDB: no multi-document transactions, no text
indexes, no server-side JavaScript; errors are told apart by code, not message.
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from shared.settings import ServiceSettings

Doc = dict[str, Any]
# How many applied event ids a document remembers (enough to absorb any redelivery window).
APPLIED_EVENTS_KEPT = 500


def mongo_client(settings: ServiceSettings) -> AsyncMongoClient[Doc]:
    """A client for the service's MongoDB; it connects lazily."""
    return AsyncMongoClient(
        settings.mongo_url,
        tz_aware=True,
        appname=settings.service_name,
        serverSelectionTimeoutMS=settings.mongo_timeout_ms,
        connectTimeoutMS=settings.mongo_timeout_ms,
    )


async def ping(client: AsyncMongoClient[Doc]) -> bool:
    """True when the server answers."""
    try:
        await client.admin.command("ping")
    except PyMongoError:
        return False
    return True


async def insert_once(collection: AsyncCollection[Doc], doc: Doc) -> bool:
    """Insert a document whose _id derives from what caused it; False if it is already there."""
    try:
        await collection.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def apply_once(collection: AsyncCollection[Doc], filter_: Doc, update: Doc, event_id: str) -> bool:
    """Apply an event's update to one document once: the event id is recorded in the same write.

    Returns False when the event was applied before (or the document does not match).
    """
    guarded = {**filter_, "applied_events": {"$ne": event_id}}
    push = dict(update.get("$push", {}))
    push["applied_events"] = {"$each": [event_id], "$slice": -APPLIED_EVENTS_KEPT}
    result = await collection.update_one(guarded, {**update, "$push": push})
    return result.modified_count == 1


__all__ = [
    "AsyncCollection",
    "AsyncDatabase",
    "Doc",
    "DuplicateKeyError",
    "PyMongoError",
    "apply_once",
    "insert_once",
    "mongo_client",
    "ping",
]
