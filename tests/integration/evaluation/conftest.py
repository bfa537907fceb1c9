"""One running evaluation app per test module (real SecantusDB/MongoDB and RabbitMQ), in a namespace of its own.

Test modules here run on a module-scoped event loop: `pytestmark = pytest.mark.asyncio(loop_scope="module")`.
Each test keeps apart from the others by making congresses of its own. The app runs on `suite.clock`,
which stands still until a test moves it (`suite.clock.set(...)`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio
from evaluation_support import EventTap, MovableClock, Suite
from pymongo import AsyncMongoClient

from services.evaluation.main import create_app
from services.evaluation.settings import EvaluationSettings
from shared.bus.topology import Topology
from shared.testing.helpers import delete_namespace, running, settings_for
from shared.testing.servers import Servers


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def suite(servers: Servers) -> AsyncIterator[Suite]:
    """The module's running evaluation app, a database client and an event tap; all removed afterwards."""
    namespace = f"te{uuid.uuid4().hex[:10]}"
    settings = settings_for(EvaluationSettings, servers, namespace, outbox_poll_seconds=0.5)
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongo_url, tz_aware=True)
    clock = MovableClock(datetime.now(UTC))
    app = create_app(settings, clock=clock)
    try:
        async with running(app) as client:
            tap = EventTap(servers.amqp_url, Topology(namespace).exchange, unique=True)
            await tap.start()
            try:
                yield Suite(settings=settings, client=client, mongo=mongo, tap=tap, clock=clock, app=app)
            finally:
                await tap.stop()
    finally:
        await delete_namespace(servers.amqp_url, namespace)
        for name in await mongo.list_database_names():
            if name.startswith(namespace):
                await mongo.drop_database(name)
        await mongo.close()
