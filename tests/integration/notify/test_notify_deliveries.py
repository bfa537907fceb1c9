"""E-mail and SMS deliveries against a real SMTP server (aiosmtpd, in a thread, on a free port), a real
HTTP server standing in for Alibaba Cloud SMS (uvicorn, verifying each request's signature), and a
real database.

The store is built here (not through services/notify/main.py); time is a movable clock, and the tests
call `deliver_due` / `next_due` as `shared.sweep.DueSweeper` would.
"""

from __future__ import annotations

import asyncio
import base64
import email
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any
from urllib.parse import parse_qsl, quote_plus

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from services.notify.api_deliveries import router
from services.notify.channels import AliyunSms, EmailSender, Message, SmsProvider, SmtpSettings, message_id_for
from services.notify.deliveries import LEASE, MAX_ATTEMPTS, Attempt, DeliveryStatus, Outcome
from services.notify.delivery_store import DELIVERIES, DeliveryStore
from services.notify.settings import NotifySettings
from shared.auth import Role
from shared.errors import install_error_handlers
from shared.testing.helpers import settings_for, token
from shared.testing.servers import Servers

START = datetime(2025, 3, 5, 8, 0, tzinfo=UTC)
FROM = "市人大常委会代表工委 <noreply@rd.example.gov.cn>"
ACCESS_KEY_ID = "LTAI5tTestKeyId"
ACCESS_KEY_SECRET = "gateway-test-secret"
BODY = "您领衔提出的《关于加强社区养老服务设施建设的建议》已登记，编号第0012号。"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- the SMTP server -----------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.raw, policy=default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class MailServer:
    """An SMTP server (aiosmtpd in its own thread) that keeps every message; `refuse` maps an address to
    the reply its RCPT gets instead of 250."""

    port: int = field(default_factory=_free_port)
    refuse: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _controller: Controller | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        finally:
            self.in_flight -= 1
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


# --- the SMS gateway -----------------------------------------------------------------------------


def aliyun_percent_encode(value: str) -> str:
    """The documented recipe, written independently of the code under test: form encoding, then
    `+` → `%20`, `*` → `%2A`, `%7E` → `~`."""
    return quote_plus(value, safe="*").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def verify(params: Mapping[str, str], secret: str, method: str) -> bool:
    """What Aliyun's gateway checks: the `Signature` is base64(HMAC-SHA1(secret + "&", string to sign))."""
    given = params.get("Signature")
    pairs = sorted((aliyun_percent_encode(k), aliyun_percent_encode(v)) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{k}={v}" for k, v in pairs)
    to_sign = f"{method}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"
    expected = base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
    return given is not None and hmac.compare_digest(given, expected)


@dataclass
class Gateway:
    """Alibaba Cloud SMS as far as `SendSms` goes: checks the request, verifies its signature, answers the
    next code of `script` (then `OK`)."""

    secret: str = ACCESS_KEY_SECRET
    script: list[str] = field(default_factory=list)
    port: int = field(default_factory=_free_port)
    requests: list[dict[str, str]] = field(default_factory=list)
    verified: list[bool] = field(default_factory=list)
    _nonces: set[str] = field(default_factory=set)
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def answer(self, method: str, params: dict[str, str]) -> tuple[int, dict[str, str]]:
        request_id = f"req-{len(self.requests)}"
        ok = verify(params, self.secret, method)
        self.verified.append(ok)
        if not ok:
            mismatch = "Specified signature is not matched with our calculation."
            return 400, {"Code": "SignatureDoesNotMatch", "Message": mismatch, "RequestId": request_id}
        stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs((datetime.now(UTC) - stamp).total_seconds()) > 900:
            return 400, {"Code": "InvalidTimeStamp.Expired", "Message": "expired", "RequestId": request_id}
        if params["SignatureNonce"] in self._nonces:
            return 400, {"Code": "SignatureNonceUsed", "Message": "used", "RequestId": request_id}
        self._nonces.add(params["SignatureNonce"])
        assert params["Action"] == "SendSms" and params["Version"] == "2017-05-25" and params["Format"] == "JSON"
        assert params["SignatureMethod"] == "HMAC-SHA1" and params["SignatureVersion"] == "1.0"
        assert params["AccessKeyId"] == ACCESS_KEY_ID
        code = self.script.pop(0) if self.script else "OK"
        if code == "OK":
            return 200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.requests)}", "RequestId": request_id}
        return 200, {"Code": code, "Message": "触发分钟级流控Permits:1", "RequestId": request_id}

    async def __call__(self, scope: Mapping[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = scope.get("query_string", b"").decode()
        params = dict(parse_qsl(body.decode() if scope["method"] == "POST" else query, keep_blank_values=True))
        status, answer = self.answer(scope["method"], params)
        self.requests.append(params)
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps(answer, ensure_ascii=False).encode()})

    async def start(self) -> None:
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "gateway did not start"
            assert not self._task.done(), "gateway stopped at start"
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._server = self._task = None


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    g = Gateway()
    await g.start()
    yield g
    await g.stop()


# --- the harness ---------------------------------------------------------------------------------


class Clock:
    """A clock the test moves."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def to(self, at: datetime) -> None:
        self.at = max(self.at, at)


def smtp(port: int) -> EmailSender:
    return EmailSender(SmtpSettings(host="127.0.0.1", port=port, starttls=False, from_address=FROM, timeout_seconds=5))


@dataclass
class Harness:
    api: httpx.AsyncClient
    store: DeliveryStore
    clock: Clock
    settings: NotifySettings
    db: Any

    def as_(self, subject: str, *roles: Role, congress_id: str = "c1") -> dict[str, str]:
        return token(self.settings, subject, *(roles or (Role.STAFF,)), congress_id=congress_id)

    async def enqueue(self, message: Message) -> bool:
        return await self.store.enqueue(message, now=self.clock())

    async def doc(self, delivery_id: str) -> dict[str, Any]:
        found = await self.db[DELIVERIES].find_one({"_id": delivery_id})
        assert found is not None
        return dict(found)

    async def sweep_at(self, at: datetime) -> int:
        self.clock.to(at)
        return await self.store.deliver_due(self.clock())

    async def sweep_next(self) -> int:
        nxt = await self.store.next_due()
        assert nxt is not None
        return await self.sweep_at(nxt)

    async def run_until_idle(self, *, limit: int = 50) -> int:
        sweeps = 0
        while await self.store.next_due() is not None:
            assert sweeps < limit, "deliveries never settle"
            await self.sweep_next()
            sweeps += 1
        return sweeps


@asynccontextmanager
async def harness(
    servers: Servers, namespace: str, email: EmailSender | None, sms: SmsProvider | None = None, **options: Any
) -> AsyncIterator[Harness]:
    settings = settings_for(NotifySettings, servers, namespace)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url, tz_aware=True)
    db = mongo[settings.database_name]
    clock = Clock(START)
    store = DeliveryStore(db, email, sms, **options)
    await store.ensure_indexes()
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.state.settings = settings
    app.state.deliveries = store
    app.state.clock = clock
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        try:
            yield Harness(api, store, clock, settings, db)
        finally:
            await mongo.close()


def mail_to(address: str, n: int = 1, *, recipient: str = "dep-1", congress_id: str = "c1", **changes: str) -> Message:
    values: dict[str, Any] = {
        "delivery_id": f"evt-{n}:{recipient}:email",
        "congress_id": congress_id,
        "recipient_id": recipient,
        "channel": "email",
        "address": address,
        "subject": "建议已登记",
        "body": BODY,
        "link": f"https://portal.example.gov.cn/suggestions/s-{n}",
    }
    values.update(changes)
    return Message(**values)


def sms_to(number: str, n: int = 1, *, recipient: str = "dep-1") -> Message:
    return Message(
        delivery_id=f"evt-{n}:{recipient}:sms",
        congress_id="c1",
        recipient_id=recipient,
        channel="sms",  # type: ignore[arg-type]
        address=number,
        subject="建议已登记",
        body=BODY,
        link=f"https://portal.example.gov.cn/suggestions/s-{n}",
    )


# --- e-mail --------------------------------------------------------------------------------------


async def test_emails_arrive_with_the_chinese_subject_and_body_decoded(
    servers: Servers, namespace: str, mail: MailServer
) -> None:
    async with harness(servers, namespace, smtp(mail.port)) as h:
        woken: list[int] = []
        h.store.on_due = lambda: woken.append(1)
        assert await h.enqueue(mail_to("dep1@example.org"))
        assert await h.enqueue(mail_to("handler@unit.example.gov.cn", recipient="unit:u-1", subject="建议正式交办"))
        assert len(woken) == 2 and await h.store.next_due() == START
        assert await h.store.deliver_due(h.clock()) == 2
        assert await h.store.next_due() is None

        [got] = mail.to("dep1@example.org")
        assert got.mail_from == "noreply@rd.example.gov.cn"
        message = got.parsed()
        assert message["Subject"] == "建议已登记"
        assert message["From"].addresses[0].display_name == "市人大常委会代表工委"
        assert message["Message-ID"] == message_id_for("evt-1:dep-1:email", "rd.example.gov.cn")
        text = message.get_content()
        assert BODY in text and "https://portal.example.gov.cn/suggestions/s-1" in text
        assert mail.to("handler@unit.example.gov.cn")[0].parsed()["Subject"] == "建议正式交办"

        doc = await h.doc("evt-1:dep-1:email")
        assert doc["status"] == "sent" and doc["sent_at"] == START and doc["attempt_count"] == 1
        assert doc["provider_id"] == message["Message-ID"]
        assert "next_attempt_at" not in doc and "lease_until" not in doc and "claim" not in doc
        [attempt] = doc["attempts"]
        assert attempt["outcome"] == Outcome.SENT and attempt["error"] is None and attempt["at"] == START


async def test_the_same_message_enqueued_twice_is_sent_once_even_by_two_replicas(
    servers: Servers, namespace: str, mail: MailServer
) -> None:
    async with harness(servers, namespace, smtp(mail.port)) as h:
        other = DeliveryStore(h.db, smtp(mail.port), None)  # a second replica on the same database
        assert await h.enqueue(mail_to("dep1@example.org")) is True
        assert await h.enqueue(mail_to("dep1@example.org")) is False  # the event is redelivered
        assert await other.enqueue(mail_to("dep1@example.org"), now=START) is False
        counts = await asyncio.gather(h.store.deliver_due(START), other.deliver_due(START))
        assert sorted(counts) == [0, 1]
        assert await h.enqueue(mail_to("dep1@example.org")) is False  # after it was sent, too
        assert await h.sweep_at(START + timedelta(days=1)) == 0
        assert len(mail.received) == 1
        assert await h.db[DELIVERIES].count_documents({}) == 1


async def test_an_smtp_server_down_at_first_gets_the_email_once_it_is_up(servers: Servers, namespace: str) -> None:
    mail = MailServer()  # not started: connections are refused
    async with harness(servers, namespace, smtp(mail.port)) as h:
        await h.enqueue(mail_to("dep1@example.org"))
        assert await h.store.deliver_due(h.clock()) == 1
        doc = await h.doc("evt-1:dep-1:email")
        assert doc["status"] == "pending" and doc["attempt_count"] == 1
        assert doc["next_attempt_at"] == START + timedelta(seconds=30)
        assert doc["attempts"][0]["outcome"] == Outcome.TEMPORARY and doc["last_error"]

        assert await h.sweep_at(START + timedelta(seconds=29)) == 0  # not due yet
        assert await h.sweep_next() == 1  # +30 s: still down
        assert (await h.doc("evt-1:dep-1:email"))["next_attempt_at"] == START + timedelta(seconds=30 + 120)

        mail.start()
        try:
            assert await h.sweep_next() == 1
            doc = await h.doc("evt-1:dep-1:email")
            assert doc["status"] == "sent" and doc["attempt_count"] == 3
            assert [a["outcome"] for a in doc["attempts"]] == ["temporary_failure", "temporary_failure", "sent"]
            assert len(mail.received) == 1 and mail.received[0].parsed()["Subject"] == "建议已登记"
            assert await h.store.next_due() is None
        finally:
            mail.stop()


async def test_a_permanent_failure_is_marked_listed_and_tried_again_by_an_operator(
    servers: Servers, namespace: str, mail: MailServer
) -> None:
    mail.refuse["nobody@example.org"] = "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown"
    async with harness(servers, namespace, smtp(mail.port)) as h:
        await h.enqueue(mail_to("nobody@example.org", recipient="dep-2"))
        await h.enqueue(mail_to("dep1@example.org"))
        await h.enqueue(mail_to("not an address", 3, recipient="dep-3"))
        await h.enqueue(mail_to("dep9@example.org", 9, recipient="dep-9", congress_id="c2"))
        assert await h.store.deliver_due(h.clock()) == 4
        assert await h.store.next_due() is None

        failed = await h.doc("evt-1:dep-2:email")
        assert failed["status"] == "failed" and failed["failed_at"] == START and failed["attempt_count"] == 1
        assert "550" in failed["failure_reason"] and "User unknown" in failed["failure_reason"]
        assert failed["attempts"][0]["outcome"] == Outcome.PERMANENT
        assert "invalid e-mail address" in (await h.doc("evt-3:dep-3:email"))["failure_reason"]

        response = await h.api.get("/deliveries", params={"status": "failed"}, headers=h.as_("staff-1"))
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["count"] == 2 and {d["id"] for d in page["data"]} == {"evt-1:dep-2:email", "evt-3:dep-3:email"}
        listed = next(d for d in page["data"] if d["id"] == "evt-1:dep-2:email")
        assert listed["address"] == "nobody@example.org" and "550" in listed["failure_reason"]
        assert listed["attempts"][0]["outcome"] == "permanent_failure" and listed["channel"] == "email"
        everything = (await h.api.get("/deliveries", headers=h.as_("admin-1", Role.ADMIN))).json()
        assert everything["count"] == 3  # congress c1 only
        mine = await h.api.get("/deliveries", params={"recipient_id": "dep-1", "channel": "email"}, headers=h.as_("s"))
        assert [d["status"] for d in mine.json()["data"]] == ["sent"]
        assert (await h.api.get("/deliveries", params={"channel": "sms"}, headers=h.as_("s"))).json()["count"] == 0
        assert (await h.api.get("/deliveries", headers=h.as_("dep-1", Role.DEPUTY))).status_code == 403
        assert (await h.api.get("/deliveries", params={"status": "lost"}, headers=h.as_("s"))).status_code == 422
        other = await h.api.get("/deliveries/evt-9:dep-9:email", headers=h.as_("s"))
        assert other.status_code == 404 and other.json()["error"]["code"] == "delivery.not_found"
        assert (await h.api.get("/deliveries/evt-1:dep-2:email", headers=h.as_("s"))).json()["status"] == "failed"

        # the address is fixed at the mail server's end; an operator tries again
        del mail.refuse["nobody@example.org"]
        h.clock.to(START + timedelta(hours=1))
        retried = await h.api.post("/deliveries/evt-1:dep-2:email/retry", headers=h.as_("staff-1"))
        assert retried.status_code == 200, retried.text
        body = retried.json()
        assert body["status"] == "pending" and body["attempt_count"] == 0 and body["retry_count"] == 1
        assert body["retried_by"] == "staff-1" and body["failure_reason"] is None
        assert await h.store.next_due() == START + timedelta(hours=1)
        assert await h.store.deliver_due(h.clock()) == 1
        sent = await h.doc("evt-1:dep-2:email")
        assert sent["status"] == "sent" and len(sent["attempts"]) == 2 and len(mail.to("nobody@example.org")) == 1

        again = await h.api.post("/deliveries/evt-1:dep-2:email/retry", headers=h.as_("staff-1"))
        assert again.status_code == 409 and again.json()["error"]["code"] == "delivery.not_failed"
        assert again.json()["error"]["details"]["status"] == "sent"
        missing = await h.api.post("/deliveries/nope/retry", headers=h.as_("staff-1"))
        assert missing.status_code == 404
        forbidden = await h.api.post("/deliveries/evt-3:dep-3:email/retry", headers=h.as_("d", Role.DEPUTY))
        assert forbidden.status_code == 403


async def test_temporary_failures_give_up_after_the_last_attempt(
    servers: Servers, namespace: str, mail: MailServer
) -> None:
    mail.refuse["busy@example.org"] = "451 4.3.0 Mailbox temporarily unavailable"
    async with harness(servers, namespace, smtp(mail.port)) as h:
        await h.enqueue(mail_to("busy@example.org"))
        assert await h.run_until_idle() == MAX_ATTEMPTS
        doc = await h.doc("evt-1:dep-1:email")
        assert doc["status"] == "failed" and doc["attempt_count"] == MAX_ATTEMPTS
        assert (
            doc["failure_reason"].startswith(f"gave up after {MAX_ATTEMPTS} attempts")
            and "451" in doc["failure_reason"]
        )
        waits = [b["at"] - a["at"] for a, b in zip(doc["attempts"], doc["attempts"][1:], strict=False)]
        assert waits == [timedelta(seconds=s) for s in (30, 120, 600, 1800, 7200)]
        assert doc["failed_at"] == START + sum(waits, timedelta())


async def test_sends_are_bounded_and_a_crashed_sender_resends_once_with_the_same_message_id(
    servers: Servers, namespace: str, mail: MailServer
) -> None:
    mail.delay = 0.1
    async with harness(servers, namespace, smtp(mail.port), concurrency=3) as h:
        for n in range(1, 10):
            await h.enqueue(mail_to(f"dep{n}@example.org", n, recipient=f"dep-{n}"))
        assert await h.store.deliver_due(h.clock()) == 9
        assert len(mail.received) == 9 and mail.max_in_flight <= 3

        # A replica claims a delivery, hands it to the SMTP server, and dies before recording it.
        await h.enqueue(mail_to("dep1@example.org", 20))
        claimed = await h.store.claim("evt-20:dep-1:email", h.clock())
        assert claimed is not None
        assert h.store.email is not None
        await h.store.email.send(mail_to("dep1@example.org", 20))
        assert await h.store.deliver_due(h.clock()) == 0  # leased: nobody else sends it
        assert (await h.doc("evt-20:dep-1:email"))["status"] == "sending"
        assert await h.store.next_due() == START + LEASE

        assert await h.sweep_next() == 1  # the lease ran out: due again
        doc = await h.doc("evt-20:dep-1:email")
        assert doc["status"] == "sent" and doc["attempt_count"] == 2
        assert [a["outcome"] for a in doc["attempts"]] == ["interrupted", "sent"]
        copies = [r.parsed()["Message-ID"] for r in mail.received if "evt-20" in r.parsed()["X-Congress-Delivery-Id"]]
        assert len(copies) == 2 and copies[0] == copies[1]  # the receiver can drop the copy

        # A sender whose lease was taken over cannot overwrite the new claimant's record.
        await h.enqueue(mail_to("dep1@example.org", 21))
        late = await h.store.claim("evt-21:dep-1:email", h.clock())
        assert late is not None
        assert await h.sweep_at(h.clock() + LEASE) == 1
        await h.store._settle(  # what the late sender records when it finally comes back
            "evt-21:dep-1:email",
            late[1],
            Attempt(at=h.clock(), outcome=Outcome.TEMPORARY, error="late", duration_ms=1),
            DeliveryStatus.PENDING,
            h.clock(),
            next_at=h.clock() + timedelta(seconds=30),
        )
        doc = await h.doc("evt-21:dep-1:email")
        assert doc["status"] == "sent" and "next_attempt_at" not in doc
        assert [a["outcome"] for a in doc["attempts"]] == ["interrupted", "sent", "temporary_failure"]


async def test_a_sender_crashing_on_the_last_attempt_leaves_the_delivery_failed(
    servers: Servers, namespace: str, mail: MailServer
) -> None:
    async with harness(servers, namespace, smtp(mail.port), max_attempts=1) as h:
        await h.enqueue(mail_to("dep1@example.org"))
        assert await h.store.claim("evt-1:dep-1:email", h.clock()) is not None  # and then the process dies
        assert await h.sweep_next() == 1
        doc = await h.doc("evt-1:dep-1:email")
        assert doc["status"] == "failed" and doc["attempt_count"] == 1 and mail.received == []
        assert doc["failure_reason"].startswith("gave up after 1 attempts; last error: the sender stopped")
        assert [(a["outcome"], a["at"]) for a in doc["attempts"]] == [("interrupted", START)]
        assert await h.store.next_due() is None


async def test_a_channel_without_a_sender_fails_visibly(servers: Servers, namespace: str) -> None:
    async with harness(servers, namespace, None, None) as h:
        await h.enqueue(mail_to("dep1@example.org"))
        await h.enqueue(sms_to("13800138000"))
        assert await h.store.deliver_due(h.clock()) == 2
        assert "not configured" in (await h.doc("evt-1:dep-1:email"))["failure_reason"]
        assert "not configured" in (await h.doc("evt-1:dep-1:sms"))["failure_reason"]


# --- SMS -----------------------------------------------------------------------------------------


def aliyun(gateway: Gateway, http: httpx.AsyncClient, **options: Any) -> AliyunSms:
    return AliyunSms(
        access_key_id=ACCESS_KEY_ID,
        access_key_secret=options.pop("secret", ACCESS_KEY_SECRET),
        sign_name="某市人大常委会",
        template_code="SMS_470000001",
        endpoint=gateway.url,
        http=http,
        **options,
    )


async def test_the_sms_request_is_signed_and_a_throttled_one_is_retried(
    servers: Servers, namespace: str, gateway: Gateway
) -> None:
    gateway.script = ["isv.BUSINESS_LIMIT_CONTROL"]
    async with httpx.AsyncClient() as http, harness(servers, namespace, None, aliyun(gateway, http)) as h:
        await h.enqueue(sms_to("13800138000"))
        assert await h.store.deliver_due(h.clock()) == 1
        doc = await h.doc("evt-1:dep-1:sms")
        assert doc["status"] == "pending" and doc["next_attempt_at"] == START + timedelta(seconds=30)
        assert "isv.BUSINESS_LIMIT_CONTROL" in doc["last_error"]
        assert doc["attempts"][0]["outcome"] == "temporary_failure"

        assert await h.sweep_next() == 1
        doc = await h.doc("evt-1:dep-1:sms")
        assert doc["status"] == "sent" and doc["provider_id"] == "biz-1" and doc["attempt_count"] == 2

        assert gateway.verified == [True, True]
        first, second = gateway.requests
        assert first["SignatureNonce"] != second["SignatureNonce"]
        assert first["PhoneNumbers"] == "13800138000" and first["SignName"] == "某市人大常委会"
        assert json.loads(first["TemplateParam"]) == {"subject": "建议已登记"}
        assert first["OutId"] == hashlib.sha256(b"evt-1:dep-1:sms").hexdigest()[:32]
        # the verifier is not a rubber stamp
        assert not verify({**first, "PhoneNumbers": "13900139000"}, ACCESS_KEY_SECRET, "POST")
        assert not verify(first, "another-secret", "POST")
        assert not verify(first, ACCESS_KEY_SECRET, "GET")


async def test_sms_by_get_a_wrong_secret_and_an_illegal_number(
    servers: Servers, namespace: str, gateway: Gateway
) -> None:
    async with httpx.AsyncClient() as http:
        async with harness(servers, namespace, None, aliyun(gateway, http, method="GET")) as h:
            await h.enqueue(sms_to("+86 138 0013 8000"))
            await h.store.deliver_due(h.clock())
            assert (await h.doc("evt-1:dep-1:sms"))["status"] == "sent"
            assert gateway.verified == [True] and gateway.requests[0]["PhoneNumbers"] == "+8613800138000"

        async with harness(servers, namespace, None, aliyun(gateway, http, secret="wrong")) as h:
            await h.enqueue(sms_to("13800138000", 2))
            await h.store.deliver_due(h.clock())
            doc = await h.doc("evt-2:dep-1:sms")
            assert doc["status"] == "failed" and "SignatureDoesNotMatch" in doc["failure_reason"]
            assert gateway.verified[-1] is False

        gateway.script = ["isv.MOBILE_NUMBER_ILLEGAL"]
        async with harness(servers, namespace, None, aliyun(gateway, http)) as h:
            await h.enqueue(sms_to("10000000000", 3))
            await h.store.deliver_due(h.clock())
            doc = await h.doc("evt-3:dep-1:sms")
            assert doc["status"] == "failed" and "isv.MOBILE_NUMBER_ILLEGAL" in doc["failure_reason"]
            assert await h.store.next_due() is None


async def test_an_sms_gateway_that_is_down_is_tried_again(servers: Servers, namespace: str) -> None:
    gateway = Gateway()  # not started
    async with httpx.AsyncClient() as http, harness(servers, namespace, None, aliyun(gateway, http)) as h:
        await h.enqueue(sms_to("13800138000"))
        await h.store.deliver_due(h.clock())
        assert (await h.doc("evt-1:dep-1:sms"))["status"] == "pending"
        await gateway.start()
        try:
            await h.sweep_next()
            assert (await h.doc("evt-1:dep-1:sms"))["status"] == "sent" and gateway.verified == [True]
        finally:
            await gateway.stop()
