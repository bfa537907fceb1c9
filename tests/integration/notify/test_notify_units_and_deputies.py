"""Notify against the real broker: units learn of pre-assignment, assignment and urging through their unit
inbox, deputies of assignment, the reply and the rating request — in Chinese, once each under redelivery,
and nobody reads another's."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aio_pika

from services.notify.main import create_app
from services.notify.settings import NotifySettings
from shared.auth import Role
from shared.contracts import new_envelope
from shared.contracts.assignment import CaseAssigned, CasePreAssigned, Deadlines, UnitRef, UnitWindow
from shared.contracts.evaluation import RaterRef, RatingRequested
from shared.contracts.intake import DeputyRef
from shared.contracts.supervision import CaseUrged
from shared.testing.helpers import eventually, running, settings_for, token
from shared.testing.servers import Servers

CST = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


FACTS: dict[str, Any] = {
    "case_id": "s-7",
    "congress_id": "c1",
    "number": "15-2-0007",
    "title": "关于加强城区停车设施建设的建议",
    "field": "城乡建设",
    "lead_deputy": DeputyRef(id="d1", name="屠永芳"),
    "co_signers": [DeputyRef(id="d2", name="李明")],
}
URBAN = UnitRef(unit_id="urban", name="市城市管理局", role="lead")
POLICE = UnitRef(unit_id="police", name="市公安局交通警察支队", role="co")


async def test_units_and_deputies_are_told_once_each_in_chinese(servers: Servers, namespace: str) -> None:
    settings = settings_for(NotifySettings, servers, namespace)
    events = [
        CasePreAssigned(
            **FACTS,
            units=[UnitWindow(**URBAN.model_dump(), window_closes_at=at(2026, 5, 10, 0))],
            pre_assigned_at=at(2026, 4, 29, 10),
            pre_assigned_by="staff-1",
        ),
        CaseAssigned(
            **FACTS,
            lead_unit=URBAN,
            co_units=[POLICE],
            deadlines=Deadlines(
                reply_due_on=date(2026, 8, 7),
                reply_due_at=at(2026, 8, 7, 23),
                co_opinion_due_on=date(2026, 7, 7),
                co_opinion_due_at=at(2026, 7, 7, 23),
                months=3,
            ),
            assigned_at=at(2026, 5, 7, 10),
            assigned_by="staff-1",
        ),
        CaseUrged(
            **FACTS,
            lead_unit=URBAN,
            co_units=[POLICE],
            reply_due_on=date(2026, 8, 7),
            reply_due_at=at(2026, 8, 7, 23),
            kind="overdue",
            days_left=-3,
            urged_at=at(2026, 8, 10, 9),
            units=[URBAN, POLICE],
        ),
        RatingRequested(
            case_id="s-7",
            congress_id="c1",
            number="15-2-0007",
            title=FACTS["title"],
            round=1,
            category="A",
            raters=[RaterRef(id="d1", name="屠永芳", lead=True), RaterRef(id="d2", name="李明")],
            window_closes_at=at(2026, 8, 25, 0),
            requested_at=at(2026, 8, 11, 10),
        ),
    ]
    envelopes = [new_envelope(e, source="/congress/c1/test", subject="s-7", congress_id="c1") for e in events]
    async with running(create_app(settings)) as notify:
        connection = await aio_pika.connect(servers.amqp_url)
        try:
            channel = await connection.channel()
            exchange = await channel.get_exchange(f"{namespace}.events")
            for envelope in envelopes * 2:  # every event delivered twice
                await exchange.publish(
                    aio_pika.Message(envelope.model_dump_json().encode(), message_id=envelope.id), envelope.type
                )
        finally:
            await connection.close()

        def handler(unit_id: str, sub: str) -> dict[str, str]:
            return token(settings, sub, Role.UNIT_HANDLER, unit_id=unit_id)

        async def inbox(headers: dict[str, str], n: int) -> list[dict[str, Any]]:
            notes = (await notify.get("/inbox", headers=headers)).json()["data"]
            return notes if len(notes) >= n else []

        urban = await eventually(lambda: inbox(handler("urban", "urban-1"), 3))
        await asyncio.sleep(1.0)  # the second deliveries are handled by now
        urban = await inbox(handler("urban", "urban-1"), 0)
        assert sorted(n["subject"] for n in urban) == ["催办通知", "建议正式交办", "预交办建议待确认"]
        bodies = {n["subject"]: n["body"] for n in urban}
        assert bodies["预交办建议待确认"] == (
            "《关于加强城区停车设施建设的建议》（编号15-2-0007）拟由贵单位主办，请于2026年05月10日零时前确认或提出异议；逾期视为同意。"
        )
        assert "请于2026年08月07日前答复代表" in bodies["建议正式交办"]
        assert "已超过答复期限（2026年08月07日）3天" in bodies["催办通知"]
        # another handler of the same unit reads the same unit inbox; a read mark counts for the unit
        colleague = handler("urban", "urban-2")
        assert len(await inbox(colleague, 3)) == 3
        read = await notify.post(f"/inbox/{urban[0]['id']}/read", headers=colleague)
        assert read.status_code == 200
        assert (await notify.get("/inbox/unread-count", headers=handler("urban", "urban-1"))).json()["unread"] == 2
        police = await inbox(handler("police", "police-1"), 0)
        assert sorted(n["subject"] for n in police) == ["催办通知", "建议正式交办"]
        assert "请于2026年07月07日前将协办意见送市城市管理局" in next(
            n["body"] for n in police if n["subject"] == "建议正式交办"
        )
        lead = await inbox(token(settings, "d1", Role.DEPUTY), 0)
        assert sorted(n["subject"] for n in lead) == ["建议已交办", "请评价办理答复"]
        cosigner = await inbox(token(settings, "d2", Role.DEPUTY), 0)
        assert sorted(n["subject"] for n in cosigner) == ["建议已交办", "请评价办理答复"]
        assert "您附议的《关于加强城区停车设施建设的建议》已交由" in next(
            n["body"] for n in cosigner if n["subject"] == "建议已交办"
        )
        # a unit's notifications are not another unit's, nor a deputy's; marking them from outside fails
        other = handler("edu", "edu-1")
        assert (await notify.get("/inbox", headers=other)).json()["count"] == 0
        refused = await notify.post(f"/inbox/{urban[0]['id']}/read", headers=other)
        assert refused.status_code == 404
