"""One running intake app per test module (real SecantusDB/MongoDB and RabbitMQ), in a namespace of its own.

Test modules here run on a module-scoped event loop: `pytestmark = pytest.mark.asyncio(loop_scope="module")`.
Each test keeps apart from the others by making congresses of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from intake_support import EventTap, Suite
from pymongo import AsyncMongoClient

from services.intake.main import create_app
from services.intake.settings import IntakeSettings
from shared.bus.topology import Topology
from shared.testing.helpers import delete_namespace, running, settings_for
from shared.testing.servers import Servers


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def suite(servers: Servers) -> AsyncIterator[Suite]:
    """The module's running intake app, a database client and an event tap; all removed afterwards."""
    namespace = f"ti{uuid.uuid4().hex[:10]}"
    settings = settings_for(IntakeSettings, servers, namespace, outbox_poll_seconds=0.5)
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongo_url, tz_aware=True)
    try:
        async with running(create_app(settings)) as client:
            tap = EventTap(servers.amqp_url, Topology(namespace).exchange)
            await tap.start()
            try:
                yield Suite(settings=settings, client=client, mongo=mongo, tap=tap)
            finally:
                await tap.stop()
    finally:
        await delete_namespace(servers.amqp_url, namespace)
        for name in await mongo.list_database_names():
            if name.startswith(namespace):
                await mongo.drop_database(name)
        await mongo.close()
