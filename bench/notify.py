"""Notify under load: notifications delivered per second to the inbox, and the delay from an event to its
inbox entry at a steady rate.

`python -m bench.notify` prints the figures; `python -m bench` includes them in its report. Runs the
notify app in this process against the bench servers (real SecantusDB/MongoDB and RabbitMQ), with the
whole suite's bindings (every event type, webhooks fan-out included, no subscription), and publishes
`intake.suggestion.registered.v1` events to the real broker:

1. **throughput**: a burst of `burst` events published at once; notifications stored per second from
   the first to the last (each event tells its lead deputy and one co-signer: two notifications);
2. **delay**: `rate` events per second for `seconds`; for each, the time from the publish to the
   inbox entry's `created_at` (median and 99th percentile).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
from pymongo import AsyncMongoClient

from bench.stats import percentile
from services.notify.main import create_app
from services.notify.settings import NotifySettings
from shared.contracts import new_envelope
from shared.contracts.intake import DeputyRef
from shared.testing.helpers import delete_namespace, running, settings_for
from shared.testing.samples import registered
from shared.testing.servers import Servers, provide_servers


def _event(k: int, congress: str) -> Any:
    data = registered(k % 9000 + 1).model_copy(
        update={
            "suggestion_id": f"b-{uuid.uuid4().hex[:12]}",
            "congress_id": congress,
            "co_signers": [DeputyRef(id=f"dep-{k % 50 + 2}", name="附议代表")],
        }
    )
    return new_envelope(data, source=f"/congress/{congress}/intake", subject=data.suggestion_id, congress_id=congress)


async def run(servers: Servers, burst: int = 2000, rate: float = 20.0, seconds: float = 20.0) -> dict[str, Any]:
    """The figures; seconds and milliseconds."""
    namespace = f"bn{uuid.uuid4().hex[:8]}"
    settings = settings_for(NotifySettings, servers, namespace)
    probe: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url, tz_aware=True)
    inbox = probe[settings.database_name]["inbox"]
    try:
        async with running(create_app(settings)):
            connection = await aio_pika.connect(servers.amqp_url)
            try:
                channel = await connection.channel(publisher_confirms=True)
                exchange = await channel.get_exchange(f"{namespace}.events", ensure=False)

                async def publish(envelope: Any) -> None:
                    await exchange.publish(
                        aio_pika.Message(envelope.model_dump_json().encode(), message_id=envelope.id),
                        routing_key=envelope.type,
                    )

                # 1. throughput
                events = [_event(k, "burst") for k in range(burst)]
                t0 = time.perf_counter()
                await asyncio.gather(*(publish(e) for e in events))
                published_s = time.perf_counter() - t0
                while await inbox.count_documents({"congress_id": "burst"}) < 2 * burst:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
                drained_s = time.perf_counter() - t0

                # 2. delay at a steady rate
                sent: dict[str, datetime] = {}
                n = int(rate * seconds)
                start = time.perf_counter()
                for k in range(n):
                    envelope = _event(k, "steady")
                    await asyncio.sleep(max(0.0, start + k / rate - time.perf_counter()))
                    sent[envelope.data.suggestion_id] = datetime.now(UTC)
                    await publish(envelope)
                while await inbox.count_documents({"congress_id": "steady"}) < 2 * n:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
            finally:
                await connection.close()
            docs = await inbox.find({"congress_id": "steady"}, {"case_id": 1, "created_at": 1}).to_list()
            delays = [(d["created_at"] - sent[d["case_id"]]).total_seconds() * 1000 for d in docs]
    finally:
        await delete_namespace(servers.amqp_url, namespace)
        await probe.drop_database(settings.database_name)
        await probe.close()
    return {
        "burst_events": burst,
        "burst_notifications": 2 * burst,
        "burst_publish_seconds": round(published_s, 2),
        "burst_seconds": round(drained_s, 2),
        "notifications_per_second": round(2 * burst / drained_s, 1),
        "steady_rate": rate,
        "steady_events": n,
        "delay_median_ms": round(statistics.median(delays), 1),
        "delay_p99_ms": round(percentile(delays, 99), 1),
    }


def render(f: dict[str, Any]) -> str:
    """The figures as a few lines."""
    return "\n".join(
        [
            "8. Notify (one process; every event type bound; SecantusDB/MongoDB and RabbitMQ)",
            f"   a burst of {f['burst_events']} registrations → {f['burst_notifications']} inbox notifications "
            f"in {f['burst_seconds']} s: {f['notifications_per_second']} notifications/s",
            f"   at {f['steady_rate']:g} events/s ({f['steady_events']} events, two people each): event published → "
            f"inbox entry median {f['delay_median_ms']} ms, p99 {f['delay_p99_ms']} ms",
        ]
    )


def main() -> None:
    """Print the figures."""
    with provide_servers() as servers:
        print(render(asyncio.run(run(servers))))


if __name__ == "__main__":
    main()
