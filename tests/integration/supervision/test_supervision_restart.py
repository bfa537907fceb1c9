"""Reminders and lights across a restart of supervision, against the real servers: each fires once, at its
point, whether the service was up at that moment or came back after it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pymongo import AsyncMongoClient
from supervision_support import EventTap, MovableClock, assigned_event, wrap

from services.supervision.main import create_app
from services.supervision.settings import SupervisionSettings
from shared.bus.topology import Topology
from shared.testing.helpers import delete_namespace, eventually, running, settings_for
from shared.testing.servers import Servers

pytestmark = pytest.mark.asyncio(loop_scope="module")
CST = ZoneInfo("Asia/Shanghai")
URGED = "supervision.case.urged.v1"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


async def test_reminders_fire_once_each_across_a_restart(servers: Servers) -> None:
    namespace = f"tr{uuid.uuid4().hex[:10]}"
    settings = settings_for(SupervisionSettings, servers, namespace, outbox_poll_seconds=0.5)
    clock = MovableClock(at(2026, 7, 1, 10))
    congress = "c-restart"
    tap = EventTap(servers.amqp_url, Topology(namespace).exchange)
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongo_url, tz_aware=True)
    cases = mongo[settings.database_name]["cases"]

    async def urged() -> list[tuple[str, int]]:
        # delivery is at least once (a relay stopped between publishing and settling publishes again):
        # what counts is one event id per reminder, as consumers dedupe by it
        unique = {e["id"]: e for e in await tap.events(congress, URGED)}
        return [(e["data"]["kind"], e["data"]["days_left"]) for e in unique.values()]

    try:
        first = create_app(settings, clock=clock)
        async with running(first):
            await tap.start()
            from supervision_support import Suite

            helper = Suite(settings=settings, client=None, mongo=mongo, tap=tap, clock=clock, app=first)  # type: ignore[arg-type]
            await helper.publish(
                wrap(assigned_event(congress, "s-r", assigned_at=at(2026, 7, 1, 10), reply_due_on=date(2026, 10, 8)))
            )
            await eventually(lambda: _exists(cases, "s-r"))
            clock.set(at(2026, 9, 23, 9))  # the 15-day point, while the service is up
            await first.state.sweeper.run_once()
            await eventually(urged)
            assert await urged() == [("before_deadline", 15)]
        # down across 30 September (both points moved there from National Day) and the deadline
        clock.set(at(2026, 10, 9, 10))
        second = create_app(settings, clock=clock)
        async with running(second):
            # the sweep at start-up sends what was missed, once each
            await eventually(lambda: _count(urged, 4))
            await second.state.sweeper.run_once()
            clock.set(at(2026, 10, 9, 11))
            await second.state.sweeper.run_once()
        third = create_app(settings, clock=clock)
        async with running(third):
            await third.state.sweeper.run_once()
            await eventually(lambda: _drained(cases))
        assert await urged() == [
            ("before_deadline", 15),
            ("before_deadline", 8),
            ("before_deadline", 8),
            ("overdue", -1),
        ]
        changes = {e["id"]: e for e in await tap.events(congress, "supervision.case.light_changed.v1")}
        lights = [e["data"]["light"] for e in changes.values()]
        assert lights == ["yellow", "red"]
    finally:
        await tap.stop()
        await delete_namespace(servers.amqp_url, namespace)
        await mongo.drop_database(settings.database_name)
        await mongo.close()


async def _exists(cases: object, case_id: str) -> bool:
    return await cases.count_documents({"_id": case_id}) == 1  # type: ignore[attr-defined, no-any-return]


async def _count(urged: object, n: int) -> bool:
    return len(await urged()) >= n  # type: ignore[operator]


async def _drained(cases: object) -> bool:
    return await cases.count_documents({"outbox_since": {"$exists": True}}) == 0  # type: ignore[attr-defined, no-any-return]
