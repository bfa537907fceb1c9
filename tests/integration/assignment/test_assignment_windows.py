"""Pre-assignment windows against the real servers: a silent unit accepts exactly when its window closes,
through the background sweep, and also when the service was down at that moment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from assignment_support import EventTap, MovableClock, Suite, registered_event, wrap

from services.assignment.main import create_app
from services.assignment.settings import AssignmentSettings
from shared.auth import Role
from shared.bus.topology import Topology
from shared.testing.helpers import delete_namespace, eventually, running, settings_for, token
from shared.testing.servers import Servers

pytestmark = pytest.mark.asyncio(loop_scope="module")

CST = ZoneInfo("Asia/Shanghai")
ACCEPTED = "assignment.case.unit_accepted.v1"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# Wednesday 29 April 2026: 30 Apr, (1-5 May Labour Day), 6, 7, 8 May and Saturday 9 May, a make-up
# working day, are the five working days; the window closes at midnight after 9 May.
OPENED = at(2026, 4, 29, 10)
CLOSES = at(2026, 5, 10, 0)


async def test_a_silent_unit_has_accepted_exactly_when_its_window_closes(suite: Suite) -> None:
    congress = suite.new_congress()
    await suite.add_units(congress, "a", "b")
    suite.clock.set(OPENED)
    trace_id = uuid.uuid4().hex
    case_id = await suite.register(congress, traceparent=f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01")
    response = await suite.client.post(
        f"/cases/{case_id}/pre-assignment",
        headers=suite.staff(congress),
        json={"lead_unit_id": "a", "co_unit_ids": ["b"]},
    )
    assert response.status_code == 200, response.text
    assert {u["window_closes_at"] for u in response.json()["units"]} == {"2026-05-09T16:00:00Z"}
    accepted = await suite.client.post(f"/cases/{case_id}/pre-assignment/accept", headers=suite.unit(congress, "b"))
    assert accepted.status_code == 200, accepted.text

    # one millisecond before the close: the sweep runs, "a" is still silent and may still object
    suite.clock.set(CLOSES - timedelta(milliseconds=1))
    assert await suite.app.state.sweeper.run_once() == 0
    case = (await suite.client.get(f"/cases/{case_id}", headers=suite.staff(congress))).json()
    assert {u["unit_id"]: u["state"] for u in case["units"]} == {"a": "pending", "b": "accepted"}
    mine = await suite.client.get("/units/a/pre-assignments", headers=suite.unit(congress, "a"))
    assert [c["id"] for c in mine.json()["data"]] == [case_id]

    # at the close: the background sweep (woken, as it would wake on its own at that moment) settles it
    suite.clock.set(CLOSES)
    suite.app.state.sweeper.wake()

    async def deemed() -> list[dict[str, object]]:
        events = await suite.tap.events(congress, ACCEPTED)
        return [e for e in events if e["data"]["deemed"]]

    events = await eventually(deemed)
    assert [(e["data"]["unit"]["unit_id"], parse(e["data"]["accepted_at"])) for e in events] == [("a", CLOSES)]
    # the sweep works in the case's own trace: an operator following the case sees the acceptance
    assert events[0]["traceparent"].split("-")[1] == trace_id
    case = (await suite.client.get(f"/cases/{case_id}", headers=suite.staff(congress))).json()
    assert case["status"] == "agreed"
    unit_a = next(u for u in case["units"] if u["unit_id"] == "a")
    assert unit_a["state"] == "deemed_accepted" and parse(unit_a["answered_at"]) == CLOSES

    late = await suite.client.post(
        f"/cases/{case_id}/pre-assignment/objection", headers=suite.unit(congress, "a"), json={"reason": "太晚了"}
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "pre_assignment.window_closed"
    # later sweeps change nothing and announce nothing again
    suite.clock.set(CLOSES + timedelta(days=2))
    assert await suite.app.state.sweeper.run_once() == 0
    assert len(await deemed()) == 1
    assert await suite.db.cases.count_documents({"_id": case_id, "next_due_at": {"$exists": True}}) == 0


async def test_an_action_at_the_close_sees_the_window_closed_before_the_sweep_comes(suite: Suite) -> None:
    congress = suite.new_congress()
    await suite.add_units(congress, "a")
    suite.clock.set(OPENED)
    case_id = await suite.register(congress)
    response = await suite.client.post(
        f"/cases/{case_id}/pre-assignment", headers=suite.staff(congress), json={"lead_unit_id": "a"}
    )
    assert response.status_code == 200
    suite.clock.set(CLOSES)  # no sweep yet
    refused = await suite.client.post(
        f"/cases/{case_id}/pre-assignment/objection", headers=suite.unit(congress, "a"), json={"reason": "不属职责"}
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "pre_assignment.window_closed"
    # a refused request writes nothing; the sweep records the acceptance, at the close
    suite.app.state.sweeper.wake()
    events = await eventually(lambda: suite.tap.events(congress, ACCEPTED))
    assert [(e["data"]["deemed"], parse(e["data"]["accepted_at"])) for e in events] == [(True, CLOSES)]


async def test_a_window_that_closes_while_the_service_is_down_is_settled_at_its_close_on_restart(
    servers: Servers,
) -> None:
    namespace = f"tw{uuid.uuid4().hex[:10]}"
    settings = settings_for(AssignmentSettings, servers, namespace, outbox_poll_seconds=0.5)
    clock = MovableClock(OPENED)
    congress = "c-restart"
    staff = token(settings, "staff-1", Role.STAFF, congress_id=congress)
    tap = EventTap(servers.amqp_url, Topology(namespace).exchange)
    try:
        first = create_app(settings, clock=clock)
        async with running(first) as client:
            await tap.start()
            helper = Suite(settings=settings, client=client, mongo=None, tap=tap, clock=clock, app=first)  # type: ignore[arg-type]
            await helper.add_units(congress, "a")
            case_id = f"s-{uuid.uuid4().hex[:8]}"
            await helper.publish(wrap(registered_event(congress, case_id)))

            async def received() -> bool:
                return (await client.get(f"/cases/{case_id}", headers=staff)).status_code == 200

            await eventually(received)
            response = await client.post(f"/cases/{case_id}/pre-assignment", headers=staff, json={"lead_unit_id": "a"})
            assert response.status_code == 200
        # the service is down while the window closes; it comes back two days later
        clock.set(CLOSES + timedelta(days=2, hours=3))
        second = create_app(settings, clock=clock)
        async with running(second) as client:
            events = await eventually(lambda: tap.events(congress, ACCEPTED))
            assert [
                (e["data"]["unit"]["unit_id"], e["data"]["deemed"], parse(e["data"]["accepted_at"])) for e in events
            ] == [("a", True, CLOSES)]
            case = (await client.get(f"/cases/{case_id}", headers=staff)).json()
            assert case["status"] == "agreed"
            assert parse(case["units"][0]["answered_at"]) == CLOSES
            assert await second.state.sweeper.run_once() == 0
            assert len(await tap.events(congress, ACCEPTED)) == 1
    finally:
        await tap.stop()
        await delete_namespace(servers.amqp_url, namespace)
        from pymongo import AsyncMongoClient

        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongo_url)
        await mongo.drop_database(settings.database_name)
        await mongo.close()
