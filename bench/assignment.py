"""Assignment at the scale of a 集中交办: 1,000 registered cases proposed, pre-assigned, settled and assigned.

`python -m bench.assignment` prints the figures; `python -m bench` includes them in its report.
Runs the assignment app in this process against the bench servers (real SecantusDB/MongoDB and RabbitMQ),
on a clock the bench moves (so the five-working-day windows close without waiting a week):

1. 1,000 `intake.suggestion.registered.v1` events (texts of the labelled routing set) published to the
   broker; the time until assignment has stored every case;
2. `POST /proposals` for the 1,000 cases in one request (the congress's router is built from the 40
   units on this first call);
3. `POST /pre-assignments` of the 1,000 to their first proposal;
4. the window sweep settling 1,000 silent units when the windows close;
5. `POST /assignments` of the 1,000 (集中交办), and the time until their 1,000 assigned events are out.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika

from bench.routing import load_cases
from services.assignment.main import create_app
from services.assignment.settings import AssignmentSettings
from services.assignment.units_seed import seed_units
from shared.auth import Role
from shared.contracts import new_envelope
from shared.contracts.intake import DeputyRef, SuggestionRegistered
from shared.testing.helpers import delete_namespace, running, settings_for, token
from shared.testing.servers import Servers, provide_servers
from shared.testing.tap import MovableClock
from shared.workdays import SHANGHAI


async def _publish_registrations(amqp_url: str, exchange_name: str, congress: str, n: int) -> list[str]:
    samples = load_cases()
    ids = [f"b-{uuid.uuid4().hex[:12]}" for _ in range(n)]
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(exchange_name, ensure=False)
        for k, case_id in enumerate(ids):
            sample = samples[k % len(samples)]
            data = SuggestionRegistered(
                suggestion_id=case_id,
                congress_id=congress,
                session="15-2",
                title=sample.title,
                body=sample.body,
                field=sample.field,
                kind="session",
                origin="deputy",
                lead_deputy=DeputyRef(id=f"d{k % 300:03d}", name=f"代表{k % 300:03d}"),
                number=f"15-2-{k + 1:04d}",
                sequence=k + 1,
                registered_at=datetime.now(UTC),
                registered_by="staff-1",
            )
            envelope = new_envelope(data, source=f"/congress/{congress}/intake", subject=case_id, congress_id=congress)
            await exchange.publish(
                aio_pika.Message(
                    envelope.model_dump_json().encode(),
                    content_type="application/cloudevents+json",
                    message_id=envelope.id,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=envelope.type,
            )
    finally:
        await connection.close()
    return ids


async def run(servers: Servers, n: int = 1000) -> dict[str, Any]:
    """The figures of one 集中交办 of n cases; seconds."""
    namespace = f"ba{uuid.uuid4().hex[:8]}"
    settings = settings_for(AssignmentSettings, servers, namespace, batch_max=max(1000, n))
    congress = "c1"
    staff = token(settings, "staff-1", Role.STAFF, congress_id=congress)
    clock = MovableClock(datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))
    app = create_app(settings, clock=clock)
    from pymongo import AsyncMongoClient

    probe: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url)
    cases = probe[settings.database_name]["cases"]
    try:
        async with running(app) as http:
            units = [
                {
                    "id": u.id,
                    "name": u.name,
                    "kind": u.kind.value,
                    "coordinator": u.coordinator,
                    "duties": u.duties,
                    "keywords": list(u.keywords),
                    "aliases": list(u.aliases),
                    "contacts": [{"id": f"{u.id}-liaison", "name": "联络员"}],
                }
                for u in seed_units()
            ]
            (await http.post("/units/bulk", headers=staff, json={"units": units})).raise_for_status()

            t0 = time.perf_counter()
            ids = await _publish_registrations(servers.amqp_url, f"{namespace}.events", congress, n)
            while await cases.count_documents({"congress_id": congress}) < n:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            received_s = time.perf_counter() - t0

            t0 = time.perf_counter()
            r = await http.post("/proposals", headers=staff, json={"case_ids": ids}, timeout=600)
            r.raise_for_status()
            proposed_s = time.perf_counter() - t0
            proposals = r.json()["data"]

            items = [
                {
                    "case_id": p["case_id"],
                    "lead_unit_id": p["leads"][0]["unit_id"],
                    "co_unit_ids": [c["unit_id"] for c in p["co_units"][:1]],
                }
                for p in proposals
            ]
            t0 = time.perf_counter()
            r = await http.post("/pre-assignments", headers=staff, json={"items": items}, timeout=600)
            r.raise_for_status()
            pre_assigned_s = time.perf_counter() - t0

            clock.set(datetime(2026, 3, 10, 0, tzinfo=SHANGHAI))
            t0 = time.perf_counter()
            settled = await app.state.sweeper.run_once()
            settled_s = time.perf_counter() - t0

            t0 = time.perf_counter()
            r = await http.post("/assignments", headers=staff, json={"case_ids": ids}, timeout=600)
            r.raise_for_status()
            assigned_s = time.perf_counter() - t0
            done = r.json()["done"]
            while await cases.find_one({"outbox_since": {"$exists": True}}, {"_id": 1}):  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            events_out_s = time.perf_counter() - t0
    finally:
        await delete_namespace(servers.amqp_url, namespace)
        await probe.drop_database(settings.database_name)
        await probe.close()
    return {
        "cases": n,
        "received_seconds": round(received_s, 2),
        "proposals_seconds": round(proposed_s, 2),
        "pre_assign_seconds": round(pre_assigned_s, 2),
        "sweep_cases": settled,
        "sweep_seconds": round(settled_s, 2),
        "assigned": done,
        "assign_seconds": round(assigned_s, 2),
        "assign_events_out_seconds": round(events_out_s, 2),
    }


def render(f: dict[str, Any]) -> str:
    """The figures as a few lines."""
    return "\n".join(
        [
            f"6. Assignment of {f['cases']} cases (one process, 40 units; SecantusDB/MongoDB and RabbitMQ)",
            f"   registered events → cases stored {f['received_seconds']} s; "
            f"POST /proposals for all {f['proposals_seconds']} s (router built on that call)",
            f"   POST /pre-assignments {f['pre_assign_seconds']} s; window sweep settling {f['sweep_cases']} cases "
            f"{f['sweep_seconds']} s; POST /assignments (集中交办) {f['assigned']} cases {f['assign_seconds']} s, "
            f"their assigned events out after {f['assign_events_out_seconds']} s",
        ]
    )


def main() -> None:
    """Print the figures."""
    with provide_servers() as servers:
        print(render(asyncio.run(run(servers))))


if __name__ == "__main__":
    main()
