"""The rule table per congress and the day's reminder digest, over the real broker, database and SMTP server.

- Staff change who is told about an event type and on which channels; the next event follows the new line,
  another congress keeps the default, bad lines are refused whole and write nothing.
- A unit's automatic reminders of one morning reach its handlers' inboxes at once but by e-mail and SMS
  only in one digest per person and channel at the digest time; a staff member's own urging goes out at
  once; redelivering every reminder — before and after the digest — adds nothing.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aio_pika
from pymongo import AsyncMongoClient

from services.notify.main import create_app
from services.notify.rule_store import RuleStore
from services.notify.ruletable import Send
from services.notify.settings import NotifySettings
from shared.auth import Role
from shared.contracts import new_envelope
from shared.contracts.assignment import (
    CaseAssigned,
    Deadlines,
    LeaderRef,
    LeaderTookCase,
    UnitContact,
    UnitObjected,
    UnitRef,
    UnitUpdated,
)
from shared.contracts.intake import DeputyRef, DeputyUpdated
from shared.contracts.supervision import CaseUrged
from shared.testing.helpers import eventually, running, settings_for, token
from shared.testing.servers import Servers
from shared.testing.smtp import SmtpCatcher
from shared.testing.tap import MovableClock

LOCAL = ZoneInfo("Asia/Shanghai")
URBAN = UnitRef(unit_id="urban", name="市城市管理局", role="lead")
POLICE = UnitRef(unit_id="police", name="市公安局", role="co")
DEPUTY = DeputyRef(id="dep-1", name="屠永芳")
TITLES = ["关于加强城区停车设施建设的建议", "关于老旧小区加装电梯的建议", "关于规范共享单车停放的建议"]


async def publish(amqp_url: str, namespace: str, *envelopes: Any) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(f"{namespace}.events")
        for e in envelopes:
            await exchange.publish(aio_pika.Message(e.model_dump_json().encode(), message_id=e.id), e.type)
    finally:
        await connection.close()


def envelope(data: Any, subject: str, time: datetime | None = None, congress_id: str = "c1") -> Any:
    return new_envelope(
        data, source=f"/congress/{congress_id}/test", subject=subject, congress_id=congress_id, time=time
    )


def directory_events(t0: datetime, congress_id: str = "c1") -> list[Any]:
    return [
        envelope(
            DeputyUpdated(
                congress_id=congress_id,
                deputy_id="dep-1",
                name="屠永芳",
                email="tu@example.cn",
                phone="13800000001",
            ),
            "deputy:dep-1",
            t0,
            congress_id,
        ),
        envelope(
            UnitUpdated(
                congress_id=congress_id,
                unit_id="urban",
                name="市城市管理局",
                kind="government_department",
                contacts=[
                    UnitContact(id="urban-1", name="王联络", email="wang@example.cn", phone="13900000001"),
                    UnitContact(id="urban-2", name="赵联络", email="zhao@example.cn", phone="13900000002"),
                ],
                updated_at=t0,
            ),
            "unit:urban",
            t0,
            congress_id,
        ),
        envelope(
            UnitUpdated(
                congress_id=congress_id,
                unit_id="police",
                name="市公安局",
                kind="government_department",
                contacts=[UnitContact(id="police-1", name="孙联络", email="sun@example.cn", phone="13900000003")],
                updated_at=t0,
            ),
            "unit:police",
            t0,
            congress_id,
        ),
    ]


async def directory_ready(app: Any, congress_id: str = "c1") -> None:
    """Wait until every person of `directory_events` is in notify's directory (the events are handled concurrently)."""

    async def known() -> bool:
        d = app.state.directory
        return all([await d.person(congress_id, p) for p in ("dep-1", "urban-1", "urban-2", "police-1")])

    await eventually(known)


def assigned(case_id: str, congress_id: str = "c1") -> Any:
    return envelope(
        CaseAssigned(
            case_id=case_id,
            congress_id=congress_id,
            number="15-2-0005",
            title=TITLES[0],
            field="城乡建设",
            lead_deputy=DEPUTY,
            lead_unit=URBAN,
            co_units=[POLICE],
            deadlines=Deadlines(
                reply_due_on=date(2026, 8, 7),
                reply_due_at=datetime(2026, 8, 7, 15, 59, 59, tzinfo=UTC),
                co_opinion_due_on=date(2026, 7, 7),
                co_opinion_due_at=datetime(2026, 7, 7, 15, 59, 59, tzinfo=UTC),
                months=3,
            ),
            assigned_at=datetime(2026, 5, 7, 2, tzinfo=UTC),
            assigned_by="staff-1",
        ),
        case_id,
        congress_id=congress_id,
    )


def urged(n: int, at: datetime, *, manual: bool = False, units: list[UnitRef] | None = None) -> Any:
    return envelope(
        CaseUrged(
            case_id=f"s-{n}",
            congress_id="c1",
            number=f"15-2-000{n}",
            title=TITLES[n % len(TITLES)],
            field="城乡建设",
            lead_deputy=DEPUTY,
            lead_unit=URBAN,
            co_units=[POLICE],
            reply_due_on=date(2026, 8, 7),
            reply_due_at=datetime(2026, 8, 7, 15, 59, 59, tzinfo=UTC),
            kind="manual" if manual else "before_deadline",
            days_left=15,
            note="请尽快答复" if manual else "",
            urged_at=at,
            urged_by="staff-1" if manual else "",
            units=units or [URBAN],
        ),
        f"s-{n}",
    )


async def test_staff_set_who_is_told_and_the_next_event_follows(servers: Servers, namespace: str) -> None:
    with SmtpCatcher() as smtp:
        settings = settings_for(
            NotifySettings, servers, namespace, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False
        )
        app = create_app(settings)
        async with running(app) as notify:
            staff = token(settings, "staff-1", Role.STAFF)
            other_staff = token(settings, "staff-9", Role.STAFF, congress_id="c2")
            deputy = token(settings, "dep-1", Role.DEPUTY)
            t0 = datetime(2026, 5, 1, tzinfo=UTC)
            await publish(servers.amqp_url, namespace, *directory_events(t0))

            await directory_ready(app)

            # the default table
            assert (await notify.get("/rules", headers=deputy)).status_code == 403
            table = (await notify.get("/rules", headers=staff)).json()
            assert table["digest_time"] == "09:30"
            line = next(r for r in table["rules"] if r["event_type"] == "assignment.case.assigned.v1")
            assert line["own"] is False
            assert {r["audience"]: r["channels"] for r in line["recipients"]}["lead_deputy"] == [
                "inbox",
                "email",
                "sms",
            ]
            assert "leader" in line["audiences"]

            # bad lines are refused whole and write nothing
            path = "/rules/assignment.case.assigned.v1"
            bad: list[tuple[dict[str, Any], int, str]] = [
                ({"recipients": [{"audience": "mayor", "channels": ["inbox"]}]}, 422, "rule.audience_unknown"),
                (
                    {"recipients": [{"audience": "lead_unit", "channels": ["inbox"]}] * 2},
                    422,
                    "rule.audience_repeated",
                ),
                (
                    {"recipients": [{"audience": "lead_unit", "channels": ["inbox"], "digest": True}]},
                    422,
                    "rule.digest_needs_channel",
                ),
                (
                    {"recipients": [{"audience": "lead_unit", "channels": ["email"], "digest": True}]},
                    422,
                    "rule.digest_not_allowed",
                ),
                ({"recipients": [{"audience": "lead_unit", "channels": ["fax"]}]}, 422, "request.invalid"),
                ({"recipients": [{"audience": "lead_unit", "channels": []}]}, 422, "request.invalid"),
                ({"recipients": [], "extra": 1}, 422, "request.invalid"),
            ]
            for body, status, code in bad:
                r = await notify.put(path, headers=staff, json=body)
                assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
            r = await notify.put("/rules/assignment.case.nonsense.v1", headers=staff, json={"recipients": []})
            assert (r.status_code, r.json()["error"]["code"]) == (404, "rule.event_type_unknown")
            r = await notify.put("/digest", headers=staff, json={"time": "9:30"})
            assert (r.status_code, r.json()["error"]["code"]) == (422, "rule.digest_time_invalid")
            assert await app.state.rules.collection.count_documents({}) == 0
            assert (await notify.put(path, headers=deputy, json={"recipients": []})).status_code == 403

            # this congress: the lead deputy by SMS only, the lead unit in the inbox only, co-units not at all
            mine = {
                "recipients": [
                    {"audience": "lead_deputy", "channels": ["sms"]},
                    {"audience": "lead_unit", "channels": ["inbox"]},
                ]
            }
            r = await notify.put(path, headers=staff, json=mine)
            assert r.status_code == 200, r.text
            assert r.json()["own"] is True
            assert [x["audience"] for x in r.json()["recipients"]] == ["lead_unit", "lead_deputy"]
            other = (await notify.get(path, headers=other_staff)).json()
            assert other["own"] is False and len(other["recipients"]) == 5

            first = assigned("s-5")
            await publish(servers.amqp_url, namespace, first, first)  # delivered twice
            handler = token(settings, "urban-1", Role.UNIT_HANDLER, unit_id="urban")

            async def unit_told() -> list[Any]:
                return list((await notify.get("/inbox", headers=handler)).json()["data"])

            assert [n["subject"] for n in await eventually(unit_told)] == ["建议正式交办"]

            async def texted() -> list[Any]:
                r = await notify.get("/deliveries", headers=staff, params={"recipient_id": "dep-1"})
                return list(r.json()["data"])

            sms = await eventually(texted)
            await asyncio.sleep(1.0)  # the redelivered event is handled by now
            assert [d["channel"] for d in await texted()] == ["sms"]
            assert "已交由市城市管理局、市公安局办理" in sms[0]["body"]
            assert (await notify.get("/inbox", headers=deputy)).json()["count"] == 0
            police = token(settings, "police-1", Role.UNIT_HANDLER, unit_id="police")
            assert (await notify.get("/inbox", headers=police)).json()["count"] == 0
            everything = (await notify.get("/deliveries", headers=staff)).json()
            assert everything["count"] == 1  # no e-mail to the unit's contacts, nothing to the co-unit
            assert smtp.messages == []

            # back to the default: the next case tells everyone as before
            r = await notify.delete(path, headers=staff)
            assert r.status_code == 200 and r.json()["own"] is False
            await publish(servers.amqp_url, namespace, assigned("s-6"))

            async def both_told() -> bool:  # each recipient's notification is its own write: wait for both
                counts = [(await notify.get("/inbox", headers=h)).json()["count"] for h in (police, deputy)]
                return counts == [1, 1]

            await eventually(both_told)

            # a rule naming nobody tells nobody
            r = await notify.put(path, headers=staff, json={"recipients": []})
            assert r.status_code == 200 and r.json()["recipients"] == []
            await publish(servers.amqp_url, namespace, assigned("s-7"))
            await publish(servers.amqp_url, namespace, assigned("s-8", congress_id="c2"))
            await eventually(lambda: _inbox_count(app, "c2"))
            assert await app.state.store.collection.count_documents({"congress_id": "c1", "case_id": "s-7"}) == 0


async def _inbox_count(app: Any, congress_id: str) -> int:
    return int(await app.state.store.collection.count_documents({"congress_id": congress_id}))


async def test_a_units_reminders_of_one_morning_go_out_in_one_digest(servers: Servers, namespace: str) -> None:
    morning = datetime(2026, 7, 20, 9, 0, tzinfo=LOCAL)  # a Monday: automatic reminders come at 09:00
    clock = MovableClock(morning)
    with SmtpCatcher() as smtp:
        settings = settings_for(
            NotifySettings, servers, namespace, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False
        )
        app = create_app(settings, clock=clock)
        async with running(app) as notify:
            staff = token(settings, "staff-1", Role.STAFF)
            await publish(servers.amqp_url, namespace, *directory_events(morning - timedelta(days=30)))

            await directory_ready(app)

            # three automatic reminders for 市城市管理局 (one also for 市公安局), and one staff member's urging
            reminders = [urged(1, morning), urged(2, morning), urged(3, morning, units=[URBAN, POLICE])]
            manual = urged(4, morning, manual=True)
            await publish(servers.amqp_url, namespace, *reminders, manual)
            handler = token(settings, "urban-2", Role.UNIT_HANDLER, unit_id="urban")

            async def four() -> list[Any]:
                data = list((await notify.get("/inbox", headers=handler)).json()["data"])
                return data if len(data) == 4 else []

            inbox = await eventually(four)  # the inbox has each at once
            assert {n["subject"] for n in inbox} == {"催办通知"}

            # only the urging went out by e-mail and SMS (2 contacts x 2 channels); the reminders wait
            async def urging_sent() -> list[Any]:
                r = await notify.get("/deliveries", headers=staff, params={"status": "sent"})
                return list(r.json()["data"]) if r.json()["count"] == 4 else []

            sent = await eventually(urging_sent)
            assert {d["recipient_id"] for d in sent} == {"urban-1", "urban-2"}
            assert all("督办意见：请尽快答复" in d["body"] for d in sent)
            waiting = await app.state.digests.pending("c1", "urban-1")
            assert len(waiting) == 6  # 3 reminders x e-mail and SMS
            assert len(await app.state.digests.pending("c1", "police-1")) == 2

            # every reminder redelivered: nothing new anywhere
            await publish(servers.amqp_url, namespace, *reminders, manual)
            await asyncio.sleep(1.5)
            assert (await notify.get("/inbox", headers=handler)).json()["count"] == 4
            assert (await notify.get("/deliveries", headers=staff)).json()["count"] == 4
            assert await app.state.digests.collection.count_documents({}) == 14

            # the congress words its SMS digest itself (a template that does not render is refused)
            bad = await notify.put("/templates/digest/sms", headers=staff, json={"body": "{{ cases }}件"})
            assert (bad.status_code, bad.json()["error"]["code"]) == (422, "template.invalid")
            mine = {"body": "【{{ count }}件催办】{% for i in items %}{{ loop.index }}.{{ i.body }}{% endfor %}"}
            r = await notify.put("/templates/digest/sms", headers=staff, json=mine)
            assert r.status_code == 200 and r.json()["sample_body"].startswith("【2件催办】1.《")

            # one minute before the digest time nothing goes; at 09:30 one digest per person and channel
            clock.set(datetime(2026, 7, 20, 9, 29, tzinfo=LOCAL))
            assert await app.state.digest_sweep.run_once() == 0
            clock.set(datetime(2026, 7, 20, 9, 30, tzinfo=LOCAL))
            app.state.digest_sweep.wake()

            async def digests_sent() -> bool:
                return len(smtp.to("wang@example.cn")) == 2 and len(smtp.to("sun@example.cn")) == 1

            await eventually(digests_sent, timeout=30)
            for address in ("wang@example.cn", "zhao@example.cn"):
                urging, digest = sorted(smtp.to(address), key=lambda m: str(m["Subject"]))[::-1]
                assert str(digest["Subject"]) == "催办汇总：今日3件建议待办"
                text = digest.get_content()
                assert "今日共有3条催办通知" in text
                assert all(f"《{t}》" in text for t in TITLES)
                assert str(urging["Subject"]) == "催办通知"
            assert "今日共有1条催办通知" in smtp.to("sun@example.cn")[0].get_content()
            texts = (await notify.get("/deliveries", headers=staff, params={"channel": "sms"})).json()["data"]
            digests = [d for d in texts if d["id"].startswith("digest:")]
            assert sorted(d["recipient_id"] for d in digests) == ["police-1", "urban-1", "urban-2"]
            assert sorted(d["body"][:7] for d in digests) == ["【1件催办】1", "【3件催办】1", "【3件催办】1"]
            assert await app.state.digests.pending("c1", "urban-1") == []

            # redelivered after the digest: nothing new; the sweep again: nothing
            await publish(servers.amqp_url, namespace, *reminders)
            await asyncio.sleep(1.5)
            assert await app.state.digest_sweep.run_once() == 0
            assert (await notify.get("/deliveries", headers=staff)).json()["count"] == 4 + 6
            assert len(smtp.to("wang@example.cn")) == 2

            # a reminder after the digest time waits for tomorrow's
            later = datetime(2026, 7, 20, 10, 0, tzinfo=LOCAL)
            clock.set(later)
            await publish(servers.amqp_url, namespace, urged(5, later))

            async def queued_for_tomorrow() -> list[Any]:
                return list(await app.state.digests.pending("c1", "urban-1"))

            tomorrow = await eventually(queued_for_tomorrow)
            assert {i["due_at"].replace(tzinfo=UTC) for i in tomorrow} == {datetime(2026, 7, 21, 1, 30, tzinfo=UTC)}

            # a congress sets its own digest time
            r = await notify.put("/digest", headers=staff, json={"time": "17:00"})
            assert r.status_code == 200
            assert (await notify.get("/digest", headers=staff)).json() == {"time": "17:00"}
            assert (await notify.get("/rules", headers=staff)).json()["digest_time"] == "17:00"
            await publish(servers.amqp_url, namespace, urged(6, later))

            async def at_five() -> set[datetime]:
                due = {i["due_at"].replace(tzinfo=UTC) for i in await app.state.digests.pending("c1", "urban-1")}
                return due if len(due) == 2 else set()

            assert datetime(2026, 7, 20, 9, 0, tzinfo=UTC) in await eventually(at_five)


async def test_a_change_reaches_another_replica_within_its_cache_time(servers: Servers, namespace: str) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url, tz_aware=True)
    db = mongo[f"rules-{namespace}"]
    try:
        here, there = RuleStore(db, cache_seconds=0.5), RuleStore(db, cache_seconds=0.5)
        event_type = "supervision.case.replied.v1"
        assert (await there.table("c1")).send(event_type, "co_signers") is not None  # read and cached: the default
        line = (Send("lead_deputy", ("inbox",)),)
        await here.put("c1", event_type, line, by="staff-1")
        assert (await here.table("c1")).lines[event_type] == line  # at once where it was made
        assert (await there.table("c1")).lines[event_type] != line  # the other replica: still cached
        await asyncio.sleep(0.6)
        assert (await there.table("c1")).lines[event_type] == line
        assert (await there.table("c2")).lines[event_type] != line  # another congress keeps the default
    finally:
        await mongo.drop_database(f"rules-{namespace}")
        await mongo.close()


async def test_staff_and_leaders_enter_where_their_mail_goes(servers: Servers, namespace: str) -> None:
    with SmtpCatcher() as smtp:
        settings = settings_for(
            NotifySettings, servers, namespace, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False
        )
        app = create_app(settings)
        async with running(app) as notify:
            t0 = datetime(2026, 5, 1, tzinfo=UTC)
            await publish(servers.amqp_url, namespace, *directory_events(t0))

            await directory_ready(app)
            people = app.state.directory.people
            before = await people.count_documents({})

            # who may not: a deputy; a unit handler; a staff token for someone the deputies' directory keeps
            card = {"name": "周秘书", "email": "zhou@rd.example.gov.cn", "phone": "13600000001"}
            refusals = [
                (token(settings, "dep-9", Role.DEPUTY), 403, "contact.role_not_allowed"),
                (token(settings, "urban-1", Role.UNIT_HANDLER, unit_id="urban"), 403, "contact.role_not_allowed"),
                (token(settings, "dep-1", Role.STAFF), 409, "contact.managed_elsewhere"),
                (token(settings, "dep-1", Role.LEADER, Role.DEPUTY), 409, "contact.managed_elsewhere"),
            ]
            for headers, status, code in refusals:
                r = await notify.put("/contact", headers=headers, json=card)
                assert (r.status_code, r.json()["error"]["code"]) == (status, code)
            staff = token(settings, "staff-1", Role.STAFF)
            for bad in ({"email": "not-an-address"}, {"phone": "call me"}, {"email": "a@b.cn", "fax": "1"}):
                r = await notify.put("/contact", headers=staff, json=bad)
                assert (r.status_code, r.json()["error"]["code"]) == (422, "request.invalid")
            assert await people.count_documents({}) == before
            assert (await people.find_one({"_id": "c1:dep-1"}))["email"] == "tu@example.cn"

            # a staff member and a leader enter theirs
            assert (await notify.get("/contact", headers=staff)).json() == {"name": "", "email": "", "phone": ""}
            assert (await notify.put("/contact", headers=staff, json=card)).status_code == 200
            assert (await notify.get("/contact", headers=staff)).json() == card
            leader = token(settings, "leader-1", Role.LEADER)
            mine = {"name": "钱主任", "email": "qian@rd.example.gov.cn"}
            assert (await notify.put("/contact", headers=leader, json=mine)).status_code == 200

            # a leader takes a case: e-mailed (the default line: inbox and e-mail); staff are e-mailed what the
            # congress's line sends them on e-mail (the default: inbox only, so nothing until it changes)
            line = {"recipients": [{"audience": "staff", "channels": ["inbox", "email"]}]}
            r = await notify.put("/rules/assignment.case.unit_objected.v1", headers=staff, json=line)
            assert r.status_code == 200
            await publish(
                servers.amqp_url,
                namespace,
                envelope(
                    LeaderTookCase(
                        case_id="s-5",
                        congress_id="c1",
                        number="15-2-0005",
                        title=TITLES[0],
                        field="城乡建设",
                        lead_deputy=DEPUTY,
                        leader=LeaderRef(id="leader-1", name="钱主任", title="常务副市长"),
                        assigned=False,
                        at=t0,
                        by="staff-1",
                    ),
                    "s-5",
                ),
                envelope(
                    UnitObjected(
                        case_id="s-5",
                        congress_id="c1",
                        number="15-2-0005",
                        title=TITLES[0],
                        field="城乡建设",
                        lead_deputy=DEPUTY,
                        unit=URBAN,
                        reason="不属于我局职责",
                        round=1,
                        objected_at=t0,
                        objected_by="urban-1",
                    ),
                    "s-5",
                ),
            )

            async def mailed() -> bool:
                return len(smtp.to("qian@rd.example.gov.cn")) == 1 and len(smtp.to("zhou@rd.example.gov.cn")) == 1

            await eventually(mailed, timeout=30)
            assert str(smtp.to("qian@rd.example.gov.cn")[0]["Subject"]) == "领办建议"
            objection = smtp.to("zhou@rd.example.gov.cn")[0]
            assert str(objection["Subject"]) == "交办异议待协商"
            assert "市城市管理局对《关于加强城区停车设施建设的建议》" in objection.get_content()
            assert "不属于我局职责" in objection.get_content()
            # the staff inbox has it for every staff member, with or without contact details
            other_staff = token(settings, "staff-2", Role.STAFF)
            subjects = [n["subject"] for n in (await notify.get("/inbox", headers=other_staff)).json()["data"]]
            assert subjects == ["交办异议待协商"]
            assert (await notify.get("/inbox", headers=leader)).json()["data"][0]["subject"] == "领办建议"
