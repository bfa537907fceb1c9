"""Notify against the real broker: the same event delivered twice gives one notification."""

from __future__ import annotations

import asyncio

import aio_pika

from services.notify.main import create_app
from services.notify.settings import NotifySettings
from shared.auth import Role
from shared.contracts import new_envelope
from shared.testing.helpers import eventually, running, settings_for, token
from shared.testing.samples import registered
from shared.testing.servers import Servers


async def test_same_event_twice_gives_one_notification(servers: Servers, namespace: str) -> None:
    settings = settings_for(NotifySettings, servers, namespace)
    event = new_envelope(registered(3), source="/congress/c1/intake", subject="s-3", congress_id="c1")
    async with running(create_app(settings)) as notify:
        connection = await aio_pika.connect(servers.amqp_url)
        try:
            channel = await connection.channel()
            exchange = await channel.get_exchange(f"{namespace}.events")
            for _ in range(2):
                await exchange.publish(
                    aio_pika.Message(event.model_dump_json().encode(), message_id=event.id), event.type
                )
        finally:
            await connection.close()
        deputy = token(settings, "dep-1", Role.DEPUTY)

        async def inbox() -> list[dict[str, object]]:
            return list((await notify.get("/inbox", headers=deputy)).json()["data"])

        await eventually(inbox)
        await asyncio.sleep(1.0)  # both deliveries handled by now
        notes = await inbox()
        assert len(notes) == 1
        assert notes[0]["body"] == "您领衔提出的《关于加强城区停车设施建设的建议》已登记，编号15-2-0003。"
        # another person sees none of it
        assert await notify.get("/inbox", headers=token(settings, "dep-9", Role.DEPUTY)) is not None
        assert (await notify.get("/inbox", headers=token(settings, "dep-9", Role.DEPUTY))).json()["count"] == 0
