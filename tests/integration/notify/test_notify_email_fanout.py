"""Notify end to end over the real broker: a deputy known from intake's event gets the registration notice in
the inbox and by e-mail (a real SMTP server), once under redelivery; a unit's contacts get the assignment
by e-mail; a person who turned e-mail off gets the inbox only."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import aio_pika

from services.notify.main import create_app
from services.notify.settings import NotifySettings
from shared.auth import Role
from shared.contracts import new_envelope
from shared.contracts.assignment import CaseAssigned, Deadlines, UnitContact, UnitRef, UnitUpdated
from shared.contracts.intake import DeputyRef, DeputyUpdated
from shared.testing.helpers import eventually, running, settings_for, token
from shared.testing.samples import registered
from shared.testing.servers import Servers
from shared.testing.smtp import SmtpCatcher


async def publish(amqp_url: str, namespace: str, *envelopes: Any) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(f"{namespace}.events")
        for e in envelopes:
            await exchange.publish(aio_pika.Message(e.model_dump_json().encode(), message_id=e.id), e.type)
    finally:
        await connection.close()


def envelope(data: Any, subject: str, time: datetime | None = None) -> Any:
    return new_envelope(data, source="/congress/c1/test", subject=subject, congress_id="c1", time=time)


async def test_deputies_and_unit_contacts_get_their_emails_once(servers: Servers, namespace: str) -> None:
    smtp = SmtpCatcher()
    smtp.controller.start()
    settings = settings_for(
        NotifySettings, servers, namespace, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False
    )
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    try:
        async with running(create_app(settings)) as notify:
            connection = await aio_pika.connect(servers.amqp_url)
            channel = await connection.channel()
            tap = await channel.declare_queue(exclusive=True, auto_delete=True)
            await tap.bind(await channel.get_exchange(f"{namespace}.events"), routing_key="notify.notification.#")
            await publish(
                servers.amqp_url,
                namespace,
                envelope(
                    DeputyUpdated(congress_id="c1", deputy_id="dep-1", name="屠永芳", email="tu@example.cn"),
                    "deputy:dep-1",
                    t0,
                ),
                envelope(
                    DeputyUpdated(congress_id="c1", deputy_id="dep-2", name="李明", email="li@example.cn"),
                    "deputy:dep-2",
                    t0,
                ),
                envelope(
                    UnitUpdated(
                        congress_id="c1",
                        unit_id="urban",
                        name="市城市管理局",
                        kind="government_department",
                        contacts=[UnitContact(id="urban-1", name="王联络", email="wang@example.cn")],
                        updated_at=t0,
                    ),
                    "unit:urban",
                    t0,
                ),
            )

            await eventually(lambda: _person(notify, "urban-1"))
            await eventually(lambda: _person(notify, "dep-2"))
            # 李明 turns e-mail off
            li = token(settings, "dep-2", Role.DEPUTY)
            assert (await notify.put("/preferences", headers=li, json={"email": False})).status_code == 200

            reg = envelope(registered(5).model_copy(update={"co_signers": [DeputyRef(id="dep-2", name="李明")]}), "s-5")
            due = date(2026, 8, 7)
            assigned = envelope(
                CaseAssigned(
                    case_id="s-5",
                    congress_id="c1",
                    number="15-2-0005",
                    title="关于加强城区停车设施建设的建议",
                    field="城乡建设",
                    lead_deputy=DeputyRef(id="dep-1", name="屠永芳"),
                    lead_unit=UnitRef(unit_id="urban", name="市城市管理局", role="lead"),
                    co_units=[],
                    deadlines=Deadlines(
                        reply_due_on=due,
                        reply_due_at=datetime(2026, 8, 7, 15, 59, 59, tzinfo=UTC),
                        co_opinion_due_on=date(2026, 7, 7),
                        co_opinion_due_at=datetime(2026, 7, 7, 15, 59, 59, tzinfo=UTC),
                        months=3,
                    ),
                    assigned_at=datetime(2026, 5, 7, 2, tzinfo=UTC),
                    assigned_by="staff-1",
                ),
                "s-5",
            )
            await publish(servers.amqp_url, namespace, reg, assigned, reg, assigned)  # each twice

            async def mails() -> bool:
                return len(smtp.to("tu@example.cn")) >= 2 and len(smtp.to("wang@example.cn")) >= 1

            await eventually(mails, timeout=30)
            await asyncio.sleep(1.5)  # the second deliveries of both events are handled by now
            tu = smtp.to("tu@example.cn")
            assert sorted(str(m["Subject"]) for m in tu) == ["建议已交办", "建议已登记"]
            body = next(m for m in tu if str(m["Subject"]) == "建议已登记").get_content()
            assert body.startswith("屠永芳您好：") and "已登记，编号15-2-0005" in body
            wang = smtp.to("wang@example.cn")
            assert [str(m["Subject"]) for m in wang] == ["建议正式交办"]
            assert "请于2026年08月07日前答复代表" in wang[0].get_content()
            assert smtp.to("li@example.cn") == []  # e-mail off; the inbox still has it
            li_inbox = (await notify.get("/inbox", headers=li)).json()
            assert [n["subject"] for n in li_inbox["data"]] == ["建议已登记"]
            staff = token(settings, "staff-1", Role.STAFF)
            sent = (await notify.get("/deliveries", headers=staff, params={"status": "sent"})).json()
            assert sent["count"] == 3

            # each delivery sent is announced once (notify.notification.sent.v1), through the outbox
            async def announced() -> list[str]:
                seen: list[str] = []
                while (m := await tap.get(no_ack=True, fail=False)) is not None:
                    seen.append(m.routing_key or "")
                return seen

            seen: list[str] = []
            for _ in range(50):
                seen += await announced()
                if len(seen) >= 3:
                    break
                await asyncio.sleep(0.1)
            assert seen == ["notify.notification.sent.v1"] * 3
            await connection.close()
    finally:
        smtp.controller.stop()


async def _person(notify: Any, person_id: str) -> bool:
    directory = notify._transport.app.state.directory
    return await directory.person("c1", person_id) is not None
