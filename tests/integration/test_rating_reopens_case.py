"""Evaluation and supervision together, over the real broker: a reply reaches the deputies, the lead deputy
is unsatisfied, and supervision re-opens the case with a new deadline; a satisfied rating closes it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aio_pika
import pytest
from pymongo import AsyncMongoClient

from services.evaluation.main import create_app as evaluation_app
from services.evaluation.settings import EvaluationSettings
from services.supervision.main import create_app as supervision_app
from services.supervision.settings import SupervisionSettings
from shared.auth import Role
from shared.contracts import new_envelope
from shared.contracts.assignment import CaseAssigned, Deadlines, UnitRef
from shared.contracts.intake import DeputyRef
from shared.testing.helpers import delete_namespace, eventually, running, settings_for, token
from shared.testing.servers import Servers
from shared.testing.tap import MovableClock
from shared.workdays import end_of_local_day

CST = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


async def publish(amqp_url: str, namespace: str, data: Any) -> None:
    envelope = new_envelope(data, source="/congress/c1/assignment", subject=data.case_id, congress_id=data.congress_id)
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(f"{namespace}.events", ensure=False)
        await exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode(), message_id=envelope.id), routing_key=envelope.type
        )
    finally:
        await connection.close()


@pytest.mark.timeout(120)
async def test_an_unsatisfied_rating_reaches_supervision_and_reopens_the_case(servers: Servers) -> None:
    namespace = f"tx{uuid.uuid4().hex[:10]}"
    sup_settings = settings_for(SupervisionSettings, servers, namespace, outbox_poll_seconds=0.5)
    eva_settings = settings_for(EvaluationSettings, servers, namespace, outbox_poll_seconds=0.5)
    clock = MovableClock(at(2026, 7, 1, 10))
    congress, case_id = "c1", f"s-{uuid.uuid4().hex[:8]}"
    staff = token(sup_settings, "staff-1", Role.STAFF, congress_id=congress)
    lead_unit = token(sup_settings, "urban-1", Role.UNIT_HANDLER, congress_id=congress, unit_id="urban")
    deputy = token(eva_settings, "d1", Role.DEPUTY, congress_id=congress)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url)
    try:
        async with (
            running(supervision_app(sup_settings, clock=clock)) as sup,
            running(evaluation_app(eva_settings, clock=clock)) as eva,
        ):
            due = date(2026, 10, 8)
            await publish(
                servers.amqp_url,
                namespace,
                CaseAssigned(
                    case_id=case_id,
                    congress_id=congress,
                    number="15-2-0001",
                    title="关于加强城区停车设施建设的建议",
                    field="城乡建设",
                    lead_deputy=DeputyRef(id="d1", name="屠永芳"),
                    lead_unit=UnitRef(unit_id="urban", name="市城市管理局", role="lead"),
                    co_units=[],
                    deadlines=Deadlines(
                        reply_due_on=due,
                        reply_due_at=end_of_local_day(due),
                        co_opinion_due_on=date(2026, 9, 8),
                        co_opinion_due_at=end_of_local_day(date(2026, 9, 8)),
                        months=3,
                    ),
                    assigned_at=clock(),
                    assigned_by="staff-1",
                ),
            )

            async def ledger() -> dict[str, Any] | None:
                r = await sup.get(f"/cases/{case_id}", headers=staff)
                return r.json() if r.status_code == 200 else None

            await eventually(ledger)
            clock.set(at(2026, 7, 10, 10))
            contact = {
                "stage": "on_receipt",
                "method": "phone",
                "held_at": "2026-07-10T09:00:00+08:00",
                "deputy_said": "希望增加停车位",
            }
            assert (await sup.post(f"/cases/{case_id}/contacts", headers=lead_unit, json=contact)).status_code == 200
            reply = {"category": "A", "text": "已新建停车场。", "signed_off_by": "王局长"}
            assert (await sup.post(f"/cases/{case_id}/reply", headers=lead_unit, json=reply)).status_code == 200
            assert (await sup.post(f"/cases/{case_id}/review", headers=staff, json={"accept": True})).status_code == 200

            async def asked() -> list[dict[str, Any]]:
                return (await eva.get("/ratings/pending", headers=deputy)).json()["data"]

            assert [p["case_id"] for p in await eventually(asked)] == [case_id]
            clock.set(at(2026, 7, 20, 10))
            rated = await eva.put(
                f"/cases/{case_id}/ratings/1", headers=deputy, json={"rating": "unsatisfied", "comment": "只建了一处"}
            )
            assert rated.status_code == 200 and rated.json()["result"] == "unsatisfied"  # the only rater: final at once

            async def reopened() -> dict[str, Any] | None:
                case = await ledger()
                return case if case and case["round"] == 2 else None

            case = await eventually(reopened)
            assert case["status"] == "handling"
            assert case["reply_due_on"] == "2026-08-20"  # a month from the rating
            assert [r["result"] for r in case["ratings"]] == ["unsatisfied"]

            # the second round: contact, reply, review; satisfied closes the case
            clock.set(at(2026, 8, 1, 10))
            contact["held_at"] = "2026-08-01T09:00:00+08:00"
            assert (await sup.post(f"/cases/{case_id}/contacts", headers=lead_unit, json=contact)).status_code == 200
            assert (await sup.post(f"/cases/{case_id}/reply", headers=lead_unit, json=reply)).status_code == 200
            assert (await sup.post(f"/cases/{case_id}/review", headers=staff, json={"accept": True})).status_code == 200

            async def asked_again() -> list[dict[str, Any]]:
                return [p for p in await asked() if p["round"] == 2]

            await eventually(asked_again)
            rated = await eva.put(f"/cases/{case_id}/ratings/2", headers=deputy, json={"rating": "satisfied"})
            assert rated.status_code == 200

            async def closed() -> dict[str, Any] | None:
                case = await ledger()
                return case if case and case["status"] == "closed" else None

            case = await eventually(closed)
            assert case["close_reason"] == "satisfied"
            assert json.dumps(case, ensure_ascii=False).count("unsatisfied") >= 1
    finally:
        await delete_namespace(servers.amqp_url, namespace)
        await mongo.drop_database(sup_settings.database_name)
        await mongo.drop_database(eva_settings.database_name)
        await mongo.close()
