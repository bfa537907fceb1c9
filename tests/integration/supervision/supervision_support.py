"""What the supervision integration tests share: one running supervision app per test module on a clock the
test moves, assignment's and evaluation's events published to the real broker, an event tap.

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

from services.supervision.settings import SupervisionSettings
from shared.auth import Role
from shared.contracts import new_envelope
from shared.contracts.assignment import CaseAssigned, Deadlines, UnitRef
from shared.contracts.evaluation import CaseRated
from shared.contracts.intake import DeputyRef
from shared.testing.helpers import eventually, token
from shared.testing.tap import EventTap, MovableClock
from shared.workdays import end_of_local_day

Doc = dict[str, Any]


def assigned_event(
    congress_id: str,
    case_id: str,
    *,
    assigned_at: datetime,
    reply_due_on: date,
    co_opinion_due_on: date | None = None,
    lead: str = "lead",
    co: tuple[str, ...] = ("co",),
    field_: str = "城乡建设",
    number: str | None = None,
    months: int = 3,
) -> CaseAssigned:
    """`assignment.case.assigned.v1` as assignment publishes it."""
    co_due = co_opinion_due_on or reply_due_on
    return CaseAssigned(
        case_id=case_id,
        congress_id=congress_id,
        number=number or f"15-2-{uuid.uuid4().int % 10000:04d}",
        title="关于加强城区停车设施建设的建议",
        field=field_,
        session="15-2",
        lead_deputy=DeputyRef(id="d1", name="屠永芳", delegation="城关代表团"),
        co_signers=[DeputyRef(id="d2", name="李明")],
        lead_unit=UnitRef(unit_id=lead, name=f"单位{lead}", role="lead"),
        co_units=[UnitRef(unit_id=u, name=f"单位{u}", role="co") for u in co],
        deadlines=Deadlines(
            reply_due_on=reply_due_on,
            reply_due_at=end_of_local_day(reply_due_on).replace(microsecond=999_000),
            co_opinion_due_on=co_due,
            co_opinion_due_at=end_of_local_day(co_due).replace(microsecond=999_000),
            months=months,
        ),
        assigned_at=assigned_at,
        assigned_by="staff-1",
    )


def wrap(data: Any, traceparent: str | None = None) -> Any:
    congress_id = data.congress_id
    return new_envelope(
        data,
        source=f"/congress/{congress_id}/test",
        subject=data.case_id if hasattr(data, "case_id") else None,
        congress_id=congress_id,
        traceparent=traceparent,
    )


@dataclass
class Suite:
    """One running supervision app and what the tests need around it."""

    settings: SupervisionSettings
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
        return token(self.settings, subject, Role.LEADER, congress_id=congress_id, name="张主任")

    def unit(self, congress_id: str, unit_id: str, subject: str | None = None) -> dict[str, str]:
        return token(
            self.settings, subject or f"{unit_id}-contact", Role.UNIT_HANDLER, congress_id=congress_id, unit_id=unit_id
        )

    @staticmethod
    def new_congress() -> str:
        return f"c-{uuid.uuid4().hex[:10]}"

    async def assign(self, congress_id: str, **kwargs: Any) -> str:
        """Publish a formal assignment (see `assigned_event`); return the case id once the ledger has it."""
        case_id = kwargs.pop("case_id", None) or f"s-{uuid.uuid4().hex[:12]}"
        traceparent = kwargs.pop("traceparent", None)
        await self.publish(wrap(assigned_event(congress_id, case_id, **kwargs), traceparent))

        async def there() -> bool:
            return await self.db.cases.count_documents({"_id": case_id}) == 1

        await eventually(there)
        return case_id

    async def rate(self, congress_id: str, case_id: str, result: str, round_: int = 1) -> str:
        """Publish evaluation's result of a reply round; the event id."""
        envelope = wrap(
            CaseRated(case_id=case_id, congress_id=congress_id, round=round_, result=result, rated_at=self.clock())  # type: ignore[arg-type]
        )
        await self.publish(envelope)
        return str(envelope.id)

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

    async def relay_settled(self, congress_id: str) -> None:
        """Wait until every event written for the congress's cases has left their outbox."""

        async def settled() -> bool:
            return (
                await self.db.cases.count_documents({"congress_id": congress_id, "outbox_since": {"$exists": True}})
                == 0
            )

        await eventually(settled, timeout=60)
