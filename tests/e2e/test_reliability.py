"""Nothing lost, nothing doubled: crashes around the outbox and a broker that goes away."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import httpx
import pytest
from pymongo import AsyncMongoClient

from shared.auth import Role
from shared.settings import ServiceSettings
from shared.testing.helpers import TEST_SECRET, eventually, token
from shared.testing.journeys import inbox, put_deputies, register, set_up_congress, submit
from shared.testing.servers import Servers
from shared.testing.suite import LocalSuite

pytestmark = pytest.mark.e2e
AUTH = ServiceSettings(jwt_secret=TEST_SECRET)
DEPUTY = token(AUTH, "dep-1", Role.DEPUTY, name="屠永芳")
STAFF = token(AUTH, "staff-1", Role.STAFF)
ADMIN = token(AUTH, "admin", Role.ADMIN)


async def _congress(http: httpx.AsyncClient, suite: LocalSuite) -> None:
    await set_up_congress(http, suite.url("intake"), ADMIN, "c1")
    await put_deputies(http, suite.url("intake"), STAFF)


async def _pending_outbox(servers: Servers, namespace: str, suggestion_id: str) -> dict[str, object]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongo_url)
    try:
        doc = await client[f"{namespace}-intake"]["suggestions"].find_one({"_id": suggestion_id})
    finally:
        await client.close()
    assert doc is not None
    return doc


@pytest.mark.parametrize("failpoint", ["outbox.before_publish", "outbox.before_remove"])
async def test_intake_crash_around_publish_loses_nothing_and_doubles_nothing(
    suite_factory: LocalSuite, servers: Servers, namespace: str, failpoint: str
) -> None:
    suite = suite_factory.start(["intake", "assignment", "notify"])
    async with httpx.AsyncClient(timeout=10) as http:
        await _congress(http, suite)
        created = await submit(http, suite.url("intake"), DEPUTY)
        # let the `submitted` event go out, then restart intake with the failpoint armed
        await eventually(lambda: _outbox_empty(servers, namespace, created["id"]))
        suite.stop_service("intake")
        suite.start_service("intake", {"FAILPOINTS": f"{failpoint}=exit"})
        with contextlib.suppress(httpx.HTTPError):  # the process may die before it answers
            await register(http, suite.url("intake"), STAFF, created["id"])
        assert suite.wait_exit("intake") == 86  # the failpoint ended it, as a crash would
        doc = await _pending_outbox(servers, namespace, created["id"])
        assert doc["status"] == "registered"
        if failpoint == "outbox.before_publish":
            assert [e["type"] for e in doc["outbox"]] == ["intake.suggestion.registered.v1"]
            await asyncio.sleep(1.0)
            assert await inbox(http, suite.url("notify"), DEPUTY) == []  # nothing went out

        suite.start_service("intake")  # the relay runs at start-up
        notes = await eventually(lambda: inbox(http, suite.url("notify"), DEPUTY), timeout=30)
        await eventually(lambda: _outbox_empty(servers, namespace, created["id"]))
        await asyncio.sleep(1.5)  # room for a duplicate to arrive, if one were coming
        notes = await inbox(http, suite.url("notify"), DEPUTY)
        assert len(notes) == 1, notes
        assert str(doc["number"]) in str(notes[0]["body"])


async def _outbox_empty(servers: Servers, namespace: str, suggestion_id: str) -> bool:
    doc = await _pending_outbox(servers, namespace, suggestion_id)
    return not doc.get("outbox")


@pytest.mark.broker_restart
async def test_broker_stop_and_start_while_events_flow(suite_factory: LocalSuite, servers: Servers) -> None:
    if servers.broker_control is None:
        pytest.skip("the broker is given by URL: this run cannot stop and start it")
    suite = suite_factory.start(["intake", "assignment", "notify"])
    ids: list[str] = []
    async with httpx.AsyncClient(timeout=15) as http:
        await _congress(http, suite)

        async def one() -> None:
            created = await submit(http, suite.url("intake"), DEPUTY)
            await register(http, suite.url("intake"), STAFF, created["id"])
            ids.append(created["id"])

        for _ in range(3):
            await one()
        try:
            await asyncio.to_thread(servers.broker_control, "stop_app")
            # while the broker is away, people keep working: the events wait in the outbox
            for _ in range(4):
                await one()
            r = await http.get(suite.url("intake") + "/readyz")
            assert r.status_code == 503 and r.json()["checks"]["broker"] is False
        finally:
            await asyncio.to_thread(servers.broker_control, "start_app")
        for _ in range(3):
            await one()

        async def all_notified() -> list[dict[str, object]]:
            notes = await inbox(http, suite.url("notify"), DEPUTY)
            return notes if len(notes) >= len(ids) else []

        notes = await eventually(all_notified, timeout=90, interval=0.5)
        assert len(notes) == len(ids) == 10
        assert {n["case_id"] for n in notes} == set(ids)
        r = await http.get(f"{suite.url('assignment')}/cases?limit=200", headers=STAFF)
        assert r.json()["count"] == 10
        for service in ("intake", "assignment", "notify"):
            await eventually(lambda s=service: _ready(http, suite.url(s)), timeout=30)  # type: ignore[misc]
    # no restart was needed: the same processes are still running
    assert all(p.poll() is None for p in suite.processes.values())


async def _ready(http: httpx.AsyncClient, base: str) -> bool:
    return (await http.get(base + "/readyz")).status_code == 200


async def test_kill_minus_nine_of_a_consumer_loses_nothing(suite_factory: LocalSuite) -> None:
    """A consumer killed outright: its unacked messages come back to the next one."""
    suite = suite_factory.start(["intake", "notify"])
    async with httpx.AsyncClient(timeout=10) as http:
        await _congress(http, suite)
        suite.stop_service("notify", signal.SIGKILL)
        created = [await submit(http, suite.url("intake"), DEPUTY) for _ in range(3)]
        for c in created:
            await register(http, suite.url("intake"), STAFF, c["id"])
        suite.start_service("notify")
        notes = await eventually(lambda: _at_least(inbox(http, suite.url("notify"), DEPUTY), 3), timeout=30)
        assert len(notes) == 3


async def _at_least(coro: object, n: int) -> list[dict[str, object]]:
    notes = await coro  # type: ignore[misc]
    return notes if len(notes) >= n else []
