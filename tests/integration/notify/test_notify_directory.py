"""Notify's own directory from intake's and assignment's events (order-proof, once), and preferences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aio_pika
from pymongo import AsyncMongoClient

from services.notify.main import create_app
from services.notify.settings import NotifySettings
from shared.auth import Role
from shared.contracts import new_envelope
from shared.contracts.assignment import UnitContact, UnitUpdated
from shared.contracts.intake import DeputyUpdated
from shared.testing.helpers import eventually, running, settings_for, token
from shared.testing.servers import Servers


async def test_people_and_unit_contacts_come_from_events_and_the_newest_wins(servers: Servers, namespace: str) -> None:
    settings = settings_for(NotifySettings, servers, namespace)
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    newer = new_envelope(
        DeputyUpdated(congress_id="c1", deputy_id="d1", name="屠永芳", phone="13900000001", email="tu@example.cn"),
        source="/congress/c1/intake",
        subject="deputy:d1",
        congress_id="c1",
        time=t0 + timedelta(hours=1),
    )
    older = new_envelope(
        DeputyUpdated(congress_id="c1", deputy_id="d1", name="屠永芳", phone="13900000000", email="old@example.cn"),
        source="/congress/c1/intake",
        subject="deputy:d1",
        congress_id="c1",
        time=t0,
    )
    unit = new_envelope(
        UnitUpdated(
            congress_id="c1",
            unit_id="urban",
            name="市城市管理局",
            kind="government_department",
            contacts=[UnitContact(id="urban-1", name="王联络", email="wang@example.cn", phone="13800000001")],
            updated_at=t0,
        ),
        source="/congress/c1/assignment",
        subject="unit:urban",
        congress_id="c1",
        time=t0,
    )
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongo_url)
    people = mongo[settings.database_name]["people"]
    try:
        async with running(create_app(settings)) as notify:
            connection = await aio_pika.connect(servers.amqp_url)
            try:
                channel = await connection.channel()
                exchange = await channel.get_exchange(f"{namespace}.events")
                for e in (newer, older, unit, unit, newer):  # out of order and redelivered
                    await exchange.publish(aio_pika.Message(e.model_dump_json().encode(), message_id=e.id), e.type)
            finally:
                await connection.close()

            async def known() -> bool:
                return await people.count_documents({"congress_id": "c1"}) == 2

            await eventually(known)
            await eventually(lambda: _settled(people))
            tu = await people.find_one({"_id": "c1:d1"})
            assert tu is not None and (tu["phone"], tu["email"]) == ("13900000001", "tu@example.cn")
            contacts = await mongo[settings.database_name]["unit_contacts"].find_one({"_id": "c1:urban"})
            assert contacts is not None and contacts["contacts"] == ["urban-1"]

            me = token(settings, "d1", Role.DEPUTY)
            assert (await notify.get("/preferences", headers=me)).json() == {"email": True, "sms": True, "muted": []}
            body = {"email": True, "sms": False, "muted": ["supervision.case.urged.v1"]}
            assert (await notify.put("/preferences", headers=me, json=body)).status_code == 200
            assert (await notify.get("/preferences", headers=me)).json() == body
            other = token(settings, "d2", Role.DEPUTY)
            assert (await notify.get("/preferences", headers=other)).json()["sms"] is True
            bad = await notify.put("/preferences", headers=me, json={"muted": ["not a type"]})
            assert (bad.status_code, bad.json()["error"]["code"]) == (422, "request.invalid")
    finally:
        await mongo.close()


async def _settled(people: object) -> bool:
    import asyncio

    await asyncio.sleep(0.5)  # the late, older event has been handled by now
    return True
