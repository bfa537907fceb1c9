"""One case from a constituent's opinion to the reply, through the real services, broker, database and SMTP server:
everyone concerned gets exactly the notifications the congress's rule table says, on the channels it says, in
Chinese — and redelivering every event the suite published gives nobody anything more.

Opinion at a liaison station → a deputy takes it up (a co-signer joins) → submitted → registered →
pre-assigned to a lead and a co-unit → both accept → formally assigned → signed, contact, reply → reviewed
and delivered → the deputies are asked to rate it. The congress changed one line of its table first: a
co-signer learns of the registration in the inbox only.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from contextlib import AsyncExitStack
from typing import Any

import aio_pika
import httpx

from services.assignment.main import create_app as assignment_app
from services.assignment.settings import AssignmentSettings
from services.evaluation.main import create_app as evaluation_app
from services.evaluation.settings import EvaluationSettings
from services.intake.main import create_app as intake_app
from services.intake.settings import IntakeSettings
from services.notify.main import create_app as notify_app
from services.notify.settings import NotifySettings
from services.supervision.main import create_app as supervision_app
from services.supervision.settings import SupervisionSettings
from shared.auth import Role
from shared.bus.topology import Topology
from shared.testing.helpers import eventually, running, settings_for, token
from shared.testing.journeys import set_up_congress
from shared.testing.servers import Servers
from shared.testing.smtp import SmtpCatcher
from shared.testing.tap import EventTap

TITLE = "关于在城关镇公交站台加装遮雨设施的建议"
OPINION = "城关镇多个公交站台没有遮雨棚，雨天老人孩子候车很不方便，希望加装遮雨设施。"
DEPUTIES = {
    "dep-1": ("屠永芳", "tu@example.cn", "13800000001"),
    "dep-2": ("李明", "li@example.cn", "13800000002"),
}
CONTACTS = {
    "transport": [
        ("transport-1", "王联络", "wang@example.cn", "13900000001"),
        ("transport-2", "赵联络", "zhao@example.cn", "13900000002"),
    ],
    "urban": [("urban-1", "孙联络", "sun@example.cn", "13900000003")],
}
CONSTITUENT_PHONE = "13700000009"
STAFF_EMAIL = "zhou@rd.example.gov.cn"

# The audiences this case's events concern (the rules' part); the channels come from the congress's table.
CONCERNED = {
    "intake.opinion.taken_up.v1": ["constituent"],
    "intake.suggestion.co_signing_requested.v1": ["co_signers"],
    "intake.suggestion.registered.v1": ["lead_deputy", "co_signers", "constituent"],
    "assignment.case.pre_assigned.v1": ["lead_unit", "co_units"],
    "assignment.case.assigned.v1": ["lead_unit", "co_units", "lead_deputy", "co_signers", "constituent"],
    "supervision.case.reply_submitted.v1": ["staff"],
    "supervision.case.replied.v1": ["lead_deputy", "co_signers", "constituent"],
    "evaluation.rating.requested.v1": ["raters"],
}


def ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r.json()


async def test_one_case_tells_everyone_exactly_what_the_rule_table_says(servers: Servers, namespace: str) -> None:
    with SmtpCatcher() as smtp:
        s_intake = settings_for(IntakeSettings, servers, namespace)
        s_notify = settings_for(
            NotifySettings, servers, namespace, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False
        )
        async with AsyncExitStack() as stack:
            intake = await stack.enter_async_context(running(intake_app(s_intake)))
            assignment = await stack.enter_async_context(
                running(assignment_app(settings_for(AssignmentSettings, servers, namespace)))
            )
            supervision = await stack.enter_async_context(
                running(supervision_app(settings_for(SupervisionSettings, servers, namespace)))
            )
            await stack.enter_async_context(
                running(evaluation_app(settings_for(EvaluationSettings, servers, namespace)))
            )
            app = notify_app(s_notify)
            notify = await stack.enter_async_context(running(app))
            tap = EventTap(servers.amqp_url, Topology(namespace).exchange, unique=True)
            await tap.start()
            stack.push_async_callback(tap.stop)

            def t(sub: str, *roles: Role, **kw: Any) -> dict[str, str]:
                return token(s_intake, sub, *roles, **kw)

            staff = t("staff-1", Role.STAFF)
            lead, cosigner = t("dep-1", Role.DEPUTY, name="屠永芳"), t("dep-2", Role.DEPUTY, name="李明")
            handlers = {sub: t(sub, Role.UNIT_HANDLER, unit_id=unit) for unit, cs in CONTACTS.items() for sub, *_ in cs}

            # the congress, its deputies (with e-mail and phone), its units (with their contacts)
            await set_up_congress(intake, "", t("admin", Role.ADMIN), "c1")
            for dep_id, (name, email, phone) in DEPUTIES.items():
                body = {"name": name, "delegation": "城关代表团", "email": email, "phone": phone}
                ok(await intake.put(f"/deputies/{dep_id}", headers=staff, json=body))
            for unit_id, name, duties in (
                ("transport", "市交通运输局", "负责城乡公共交通、公交站台建设管理"),
                ("urban", "市城市管理局", "负责市政设施、城市道路附属设施管理"),
            ):
                contacts = [{"id": i, "name": n, "email": e, "phone": p} for i, n, e, p in CONTACTS[unit_id]]
                body = {"name": name, "kind": "government_department", "duties": duties, "contacts": contacts}
                ok(await assignment.put(f"/units/{unit_id}", headers=staff, json=body))

            async def directory_ready() -> bool:
                d = app.state.directory
                return all([await d.person("c1", p) for p in ("dep-1", "dep-2", "transport-2", "urban-1")])

            await eventually(directory_ready)

            # a staff member enters where their e-mails go; this congress e-mails staff the replies to review
            me = {"name": "周秘书", "email": STAFF_EMAIL, "phone": ""}
            ok(await notify.put("/contact", headers=staff, json=me))
            review = {"recipients": [{"audience": "staff", "channels": ["inbox", "email"]}]}
            ok(await notify.put("/rules/supervision.case.reply_submitted.v1", headers=staff, json=review))

            # this congress: a co-signer learns of the registration in the inbox only
            line = {
                "recipients": [
                    {"audience": "lead_deputy", "channels": ["inbox", "email", "sms"]},
                    {"audience": "co_signers", "channels": ["inbox"]},
                    {"audience": "constituent", "channels": ["sms"]},
                ]
            }
            ok(await notify.put("/rules/intake.suggestion.registered.v1", headers=staff, json=line))
            table = ok(await notify.get("/rules", headers=staff))
            channels = {
                (r["event_type"], x["audience"]): x["channels"] for r in table["rules"] for x in r["recipients"]
            }

            # 提: the opinion, taken up, co-signed, submitted, registered
            station = t("clerk-1", Role.STATION, station_id="st-chengguan")
            opinion = ok(
                await intake.post(
                    "/opinions",
                    headers=station,
                    json={
                        "station_name": "城关镇人大代表联络站",
                        "text": OPINION,
                        "channel": "visit",
                        "name": "张大爷",
                        "phone": CONSTITUENT_PHONE,
                    },
                )
            )

            async def constituent_known() -> bool:
                return await app.state.directory.person("c1", f"opinion:{opinion['id']}") is not None

            await eventually(constituent_known)
            draft = ok(
                await intake.post(
                    f"/opinions/{opinion['id']}/take-up", headers=lead, json={"title": TITLE, "field": "交通运输"}
                )
            )
            case_id = draft["id"]
            body = OPINION + "建议：在城关镇主要公交站台加装遮雨棚、增设座椅，并纳入年度民生实事项目。"
            ok(
                await intake.patch(
                    f"/suggestions/{case_id}", headers=lead, json={"body": body, "co_signers": [{"id": "dep-2"}]}
                )
            )
            ok(await intake.post(f"/suggestions/{case_id}/co-signing", headers=cosigner, json={"confirm": True}))
            ok(await intake.post(f"/suggestions/{case_id}/submit", headers=lead))
            number = ok(await intake.post(f"/suggestions/{case_id}/register", headers=staff))["number"]

            # 交: pre-assigned, both units accept, formally assigned
            async def received() -> bool:
                return (await assignment.get(f"/cases/{case_id}", headers=staff)).status_code == 200

            await eventually(received)
            pre = {"lead_unit_id": "transport", "co_unit_ids": ["urban"]}
            ok(await assignment.post(f"/cases/{case_id}/pre-assignment", headers=staff, json=pre))
            for sub in ("transport-1", "urban-1"):
                ok(await assignment.post(f"/cases/{case_id}/pre-assignment/accept", headers=handlers[sub]))
            ok(await assignment.post(f"/cases/{case_id}/assignment", headers=staff, json={}))

            # 办 + 督: signed, the deputy met, replied, reviewed and delivered
            async def opened() -> bool:
                return (await supervision.get(f"/cases/{case_id}", headers=staff)).status_code == 200

            await eventually(opened)
            unit = handlers["transport-1"]
            ok(await supervision.post(f"/cases/{case_id}/sign", headers=unit))
            contact = {
                "stage": "on_receipt",
                "method": "phone",
                "held_at": "2026-01-01T09:00:00+08:00",
                "deputy_said": "希望雨季前完成",
            }
            ok(await supervision.post(f"/cases/{case_id}/contacts", headers=unit, json=contact))
            reply = {"category": "A", "text": "已在12个站台加装遮雨棚。", "signed_off_by": "局长", "public": False}
            ok(await supervision.post(f"/cases/{case_id}/reply", headers=unit, json=reply))
            ok(await supervision.post(f"/cases/{case_id}/review", headers=staff, json={"accept": True}))

            # --- what the table says everyone gets -------------------------------------------------------
            constituent = f"opinion:{opinion['id']}"
            inbox_of = {
                "lead_deputy": ["dep-1"],
                "co_signers": ["dep-2"],
                "raters": ["dep-1", "dep-2"],
                "lead_unit": ["unit:transport"],
                "co_units": ["unit:urban"],
                "staff": ["role:staff"],
                "constituent": [constituent],
            }
            people_of = {
                **inbox_of,
                "lead_unit": ["transport-1", "transport-2"],
                "co_units": ["urban-1"],
                "staff": ["staff-1"],
            }
            email_of = {
                **{d: e for d, (_, e, _) in DEPUTIES.items()},
                **{i: e for cs in CONTACTS.values() for i, _, e, _ in cs},
                "staff-1": STAFF_EMAIL,
            }
            phone_of = {
                **{d: p for d, (_, _, p) in DEPUTIES.items()},
                **{i: p for cs in CONTACTS.values() for i, _, _, p in cs},
                constituent: CONSTITUENT_PHONE,
            }
            expected: dict[str, Counter[tuple[str, str]]] = {"inbox": Counter(), "email": Counter(), "sms": Counter()}
            for event_type, audiences in CONCERNED.items():
                for audience in audiences:
                    on = channels.get((event_type, audience), [])
                    if "inbox" in on:
                        expected["inbox"].update((r, event_type) for r in inbox_of[audience])
                    if "email" in on:
                        expected["email"].update((p, event_type) for p in people_of[audience] if p in email_of)
                    if "sms" in on:
                        expected["sms"].update((p, event_type) for p in people_of[audience] if p in phone_of)
            # the table's own line took effect: the co-signer's registration by e-mail and SMS is not expected
            assert ("dep-2", "intake.suggestion.registered.v1") not in expected["email"]
            assert ("dep-1", "intake.suggestion.registered.v1") in expected["sms"]
            assert expected["email"][("staff-1", "supervision.case.reply_submitted.v1")] == 1

            # --- what everyone got ------------------------------------------------------------------------
            types_by_event: dict[str, str] = {}

            async def got() -> dict[str, Counter[tuple[str, str]]]:
                for e in await tap.events("c1"):
                    types_by_event[e["id"]] = e["type"]
                inbox = Counter(
                    [(d["recipient_id"], d["event_type"]) async for d in app.state.store.collection.find({})]
                )
                sent: dict[str, Counter[tuple[str, str]]] = {"email": Counter(), "sms": Counter()}
                async for d in app.state.deliveries.collection.find({"status": "sent"}):
                    event_id = d["_id"].split(":", 1)[0]
                    sent[d["channel"]][(d["recipient_id"], types_by_event.get(event_id, "?"))] += 1
                return {"inbox": inbox, **sent}

            async def settled() -> dict[str, Counter[tuple[str, str]]]:
                now = await got()
                return now if all(now[c] == expected[c] for c in expected) else {}

            try:
                await eventually(settled, timeout=60)
            except AssertionError:
                now = await got()
                for c in expected:  # show the difference
                    assert now[c] == expected[c], c

            # the SMTP server received exactly those e-mails, one per person and event, in Chinese
            subjects = {
                "intake.suggestion.co_signing_requested.v1": "联名附议邀请",
                "intake.suggestion.registered.v1": "建议已登记",
                "assignment.case.pre_assigned.v1": "预交办建议待确认",
                "assignment.case.assigned.v1": "建议正式交办",
                "supervision.case.replied.v1": "建议已答复",
                "supervision.case.reply_submitted.v1": "答复待审核",
                "evaluation.rating.requested.v1": "请评价办理答复",
            }

            def mails_expected(person: str) -> list[str]:
                told = [et for (p, et), n in expected["email"].items() for _ in range(n) if p == person]
                named = {"assignment.case.assigned.v1": "建议已交办"} if person.startswith("dep-") else {}
                return sorted(named.get(et, subjects[et]) for et in told)

            async def mails_in() -> bool:
                return len(smtp.messages) == sum(expected["email"].values())

            await eventually(mails_in, timeout=30)
            for person, address in email_of.items():
                received_ = smtp.to(address)
                assert sorted(str(m["Subject"]) for m in received_) == mails_expected(person), person
                for m in received_:
                    text = m.get_content()
                    assert re.search(r"[\u4e00-\u9fff]", text) and TITLE in text and "您好" in text
            # the SMS texts name the case too; the constituent learns in words meant for them
            texts = {
                types_by_event[d["_id"].split(":", 1)[0]]: d
                async for d in app.state.deliveries.collection.find({"channel": "sms", "recipient_id": constituent})
            }
            assert sorted(texts) == [  # the default table does not text them the assignment
                "intake.opinion.taken_up.v1",
                "intake.suggestion.registered.v1",
                "supervision.case.replied.v1",
            ]
            assert {d["address"] for d in texts.values()} == {CONSTITUENT_PHONE}
            assert texts["intake.opinion.taken_up.v1"]["body"] == (
                "您通过代表联络站反映的意见已由屠永芳代表采纳，将形成代表建议提出。"
            )
            assert texts["intake.suggestion.registered.v1"]["body"] == (
                f"您反映的意见已由屠永芳代表形成建议《{TITLE}》，已登记，编号{number}。"
            )
            assert (
                texts["supervision.case.replied.v1"]["body"]
                == f"您反映的意见形成的建议《{TITLE}》已由市交通运输局答复。"
            )
            others = [d async for d in app.state.deliveries.collection.find({"channel": "sms"})]
            assert all(TITLE in d["body"] for d in others if d["recipient_id"] != constituent)

            # each reader sees their own (and their unit's, or their role's) inbox, and nobody else's
            readers = {
                "dep-1": (lead, ["dep-1"]),
                "dep-2": (cosigner, ["dep-2"]),
                "transport-2": (handlers["transport-2"], ["unit:transport"]),
                "urban-1": (handlers["urban-1"], ["unit:urban"]),
                "staff-1": (staff, ["role:staff"]),
            }
            for who, (headers, covers) in readers.items():
                page = ok(await notify.get("/inbox", headers=headers, params={"limit": 200}))
                want = sum(n for (r, _), n in expected["inbox"].items() if r in covers)
                assert page["count"] == want, who
                assert all(re.search(r"[\u4e00-\u9fff]", n["body"]) for n in page["data"])
            registered = next(
                n
                for n in ok(await notify.get("/inbox", headers=lead))["data"]
                if n["event_type"] == "intake.suggestion.registered.v1"
            )
            assert registered["body"] == f"您领衔提出的《{TITLE}》已登记，编号{number}。"

            # --- every event the suite published, delivered again ----------------------------------------
            before = await got()
            mails_before = len(smtp.messages)
            events = await tap.events("c1")
            assert len(events) > 20
            connection = await aio_pika.connect(servers.amqp_url)
            try:
                channel = await connection.channel()
                exchange = await channel.get_exchange(Topology(namespace).exchange)
                for e in events:
                    message = aio_pika.Message(json.dumps(e).encode(), message_id=e["id"])
                    await exchange.publish(message, e["type"])
                notify_queue = await channel.declare_queue(Topology(namespace).queue("notify"), passive=True)

                async def drained() -> bool:
                    declared = await channel.declare_queue(notify_queue.name, passive=True)
                    return declared.declaration_result.message_count == 0

                await eventually(drained, timeout=30)
            finally:
                await connection.close()
            await asyncio.sleep(3)  # the last redelivered events are handled, and any deliveries they made sent
            after = await got()
            assert after == before
            assert len(smtp.messages) == mails_before
            assert await app.state.deliveries.collection.count_documents({"status": {"$ne": "sent"}}) == 0
