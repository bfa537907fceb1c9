"""What the assignment integration tests share: one running assignment app per test module on a clock the
test moves, registered suggestions published to the real broker as intake would, units set up over HTTP,
an event tap bound on the suite's exchange.

Every test makes its own congress (`suite.new_congress()`), so tests sharing the app never see each
other's data; counts and events are filtered by that congress.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
from pymongo import AsyncMongoClient

from services.assignment.settings import AssignmentSettings
from shared.auth import Role
from shared.contracts import new_envelope
from shared.contracts.intake import DeputyRef, SuggestionRegistered
from shared.testing.helpers import eventually, token
from shared.testing.tap import EventTap, MovableClock

Doc = dict[str, Any]


@dataclass
class Suite:
    """One running assignment app and what the tests need around it."""

    settings: AssignmentSettings
    client: httpx.AsyncClient
    mongo: AsyncMongoClient[Doc]
    tap: EventTap
    clock: MovableClock
    app: Any

    @property
    def db(self) -> Any:
        return self.mongo[self.settings.database_name]

    # --- who is calling --------------------------------------------------------------------------

    def staff(self, congress_id: str, subject: str = "staff-1") -> dict[str, str]:
        return token(self.settings, subject, Role.STAFF, congress_id=congress_id)

    def leader(self, congress_id: str, subject: str = "leader-1", name: str = "张主任") -> dict[str, str]:
        return token(self.settings, subject, Role.LEADER, congress_id=congress_id, name=name)

    def unit(self, congress_id: str, unit_id: str, subject: str | None = None) -> dict[str, str]:
        """A handler of `unit_id`; by default the contact `<unit_id>-contact` that `add_units` lists."""
        return token(
            self.settings, subject or f"{unit_id}-contact", Role.UNIT_HANDLER, congress_id=congress_id, unit_id=unit_id
        )

    # --- setting up --------------------------------------------------------------------------------

    @staticmethod
    def new_congress() -> str:
        return f"c-{uuid.uuid4().hex[:10]}"

    async def add_units(self, congress_id: str, *unit_ids: str) -> None:
        """Units with plain duties, each with one contact `<unit_id>-contact`."""
        for unit_id in unit_ids:
            response = await self.client.put(
                f"/units/{unit_id}",
                headers=self.staff(congress_id),
                json={
                    "name": f"单位{unit_id}",
                    "kind": "government_department",
                    "coordinator": "市政府督查室",
                    "duties": "负责城市道路、停车设施和市政公用设施的规划建设与管理工作。",
                    "keywords": [unit_id],
                    "contacts": [{"id": f"{unit_id}-contact", "name": "联络员", "phone": "13800000000"}],
                },
            )
            assert response.status_code == 200, response.text

    async def register(
        self,
        congress_id: str,
        *,
        title: str = "关于加强城区停车设施建设的建议",
        body: str = "城区停车位不足。建议建设立体停车设施。",
        field: str = "城乡建设",
        number: str | None = None,
        suggestion_id: str | None = None,
        traceparent: str | None = None,
    ) -> str:
        """Publish `intake.suggestion.registered.v1` as intake would; return the case id once assignment has it."""
        case_id = suggestion_id or f"s-{uuid.uuid4().hex[:12]}"
        event = registered_event(congress_id, case_id, title=title, body=body, field=field, number=number)
        await self.publish(wrap(event, traceparent))
        await eventually(lambda: self._case_exists(congress_id, case_id))
        return case_id

    async def register_many(self, congress_id: str, n: int) -> list[str]:
        """Publish n registrations, then wait until assignment has them all."""
        ids = [f"s-{uuid.uuid4().hex[:12]}" for _ in range(n)]
        events = [
            wrap(
                registered_event(congress_id, i, number=f"15-2-{k + 1:04d}"),
                f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
            )
            for k, i in enumerate(ids)
        ]
        await self.publish(*events)

        async def all_there() -> bool:
            return await self.db.cases.count_documents({"congress_id": congress_id}) == n

        await eventually(all_there, timeout=60)
        return ids

    async def publish(self, *events: Any) -> None:
        """Publish envelopes (or EventData, wrapped here) to the suite's exchange."""
        connection = await aio_pika.connect(self.settings.amqp_url)
        try:
            channel = await connection.channel()
            exchange = await channel.get_exchange(f"{self.settings.bus_namespace}.events", ensure=False)
            for event in events:
                envelope = event if hasattr(event, "specversion") else wrap(event)
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

    async def relay_settled(self, congress_id: str) -> None:
        """Wait until every event written for the congress's cases has left their outbox."""

        async def settled() -> bool:
            return (
                await self.db.cases.count_documents({"congress_id": congress_id, "outbox_since": {"$exists": True}})
                == 0
            )

        await eventually(settled, timeout=60)

    async def _case_exists(self, congress_id: str, case_id: str) -> bool:
        return await self.db.cases.count_documents({"_id": case_id, "congress_id": congress_id}) == 1


def wrap(data: Any, traceparent: str | None = None) -> Any:
    congress_id = data.congress_id
    subject = getattr(data, "suggestion_id", None) or getattr(data, "case_id", None)
    return new_envelope(
        data,
        source=f"/congress/{congress_id}/intake",
        subject=subject,
        congress_id=congress_id,
        traceparent=traceparent,
    )


def registered_event(
    congress_id: str,
    suggestion_id: str,
    *,
    title: str = "关于加强城区停车设施建设的建议",
    body: str = "城区停车位不足。建议建设立体停车设施。",
    field: str = "城乡建设",
    number: str | None = None,
) -> SuggestionRegistered:
    return SuggestionRegistered(
        suggestion_id=suggestion_id,
        congress_id=congress_id,
        session="15-2",
        title=title,
        body=body,
        field=field,
        kind="session",
        origin="deputy",
        lead_deputy=DeputyRef(id="d1", name="屠永芳", delegation="城关代表团"),
        co_signers=[DeputyRef(id="d2", name="李明")],
        number=number or f"15-2-{uuid.uuid4().int % 10000:04d}",
        sequence=1,
        registered_at=datetime.now(UTC),
        registered_by="staff-1",
    )
