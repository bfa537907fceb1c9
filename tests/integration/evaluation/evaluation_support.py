"""What the evaluation integration tests share: one running evaluation app per test module on a clock the
test moves, supervision's and intake's events published to the real broker, tokens, an event tap.

Every test makes its own congress (`suite.new_congress()`), so tests sharing the app never see each
other's data; counts and events are filtered by that congress.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import aio_pika
import httpx
from pymongo import AsyncMongoClient

from services.evaluation.settings import EvaluationSettings
from shared.auth import Role
from shared.contracts import new_envelope
from shared.contracts.assignment import UnitRef
from shared.contracts.intake import DeputyRef
from shared.contracts.supervision import CaseReplied, Commitment
from shared.testing.helpers import eventually, token
from shared.testing.tap import EventTap, MovableClock
from shared.workdays import end_of_local_day

Doc = dict[str, Any]


def replied_event(
    congress_id: str,
    case_id: str,
    *,
    replied_at: datetime,
    round_: int = 1,
    category: str = "A",
    lead: DeputyRef | None = None,
    co_signers: list[DeputyRef] | None = None,
    lead_unit: str = "urban",
    field_: str = "城乡建设",
    on_time: bool = True,
    commitments: list[Commitment] | None = None,
) -> CaseReplied:
    """`supervision.case.replied.v1` as supervision publishes it."""
    due = date(2026, 10, 8)
    return CaseReplied(
        case_id=case_id,
        congress_id=congress_id,
        number=f"15-2-{uuid.uuid4().int % 10000:04d}",
        title="关于加强城区停车设施建设的建议",
        field=field_,
        lead_deputy=lead or DeputyRef(id="d1", name="屠永芳"),
        co_signers=co_signers if co_signers is not None else [DeputyRef(id="d2", name="李明")],
        lead_unit=UnitRef(unit_id=lead_unit, name=f"单位{lead_unit}", role="lead"),
        co_units=[],
        reply_due_on=due,
        reply_due_at=end_of_local_day(due).replace(microsecond=999_000),
        round=round_,
        category=category,  # type: ignore[arg-type]
        public=True,
        commitments=commitments or [],
        submitted_at=replied_at,
        replied_at=replied_at,
        on_time=on_time,
    )


def wrap(data: Any, subject: str | None = None, traceparent: str | None = None) -> Any:
    congress_id = data.congress_id
    return new_envelope(
        data,
        source=f"/congress/{congress_id}/test",
        subject=subject or getattr(data, "case_id", None) or f"{data.event_type}:{uuid.uuid4().hex[:8]}",
        congress_id=congress_id,
        traceparent=traceparent,
    )


@dataclass
class Suite:
    """One running evaluation app and what the tests need around it."""

    settings: EvaluationSettings
    client: httpx.AsyncClient
    mongo: AsyncMongoClient[Doc]
    tap: EventTap
    clock: MovableClock
    app: Any

    @property
    def db(self) -> Any:
        return self.mongo[self.settings.database_name]

    def staff(self, congress_id: str, subject: str = "staff-1") -> dict[str, str]:
        return token(self.settings, subject, Role.STAFF, congress_id=congress_id)

    def leader(self, congress_id: str, subject: str = "leader-1") -> dict[str, str]:
        return token(self.settings, subject, Role.LEADER, congress_id=congress_id)

    def deputy(self, congress_id: str, subject: str) -> dict[str, str]:
        return token(self.settings, subject, Role.DEPUTY, congress_id=congress_id)

    def evaluator(self, congress_id: str, subject: str) -> dict[str, str]:
        return token(self.settings, subject, Role.EVALUATOR, congress_id=congress_id)

    @staticmethod
    def new_congress() -> str:
        return f"c-{uuid.uuid4().hex[:10]}"

    async def replied(self, congress_id: str, **kwargs: Any) -> str:
        """Publish a reply that reached the deputy; return the case id once its rating request exists."""
        case_id = kwargs.pop("case_id", None) or f"s-{uuid.uuid4().hex[:12]}"
        round_ = kwargs.get("round_", 1)
        await self.publish(wrap(replied_event(congress_id, case_id, **kwargs)))

        async def there() -> bool:
            return await self.db.ratings.count_documents({"case_id": case_id, "round": round_}) == 1

        await eventually(there)
        return case_id

    async def publish(self, *envelopes: Any) -> None:
        connection = await aio_pika.connect(self.settings.amqp_url)
        try:
            channel = await connection.channel()
            exchange = await channel.get_exchange(f"{self.settings.bus_namespace}.events", ensure=False)
            for envelope in envelopes:
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

    async def relay_settled(self, collection: str = "ratings") -> None:
        """Wait until every event written in a collection has left its outbox."""

        async def settled() -> bool:
            return await self.db[collection].count_documents({"outbox_since": {"$exists": True}}) == 0

        await eventually(settled, timeout=60)
