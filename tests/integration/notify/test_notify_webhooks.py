"""Webhooks against a real HTTP receiver (uvicorn on a free port) and a real database.

The app is built here from the webhook router (not services/notify/main.py); time is a movable
clock, and the tests call the store's `fan_out` and `deliver_due` as the consumer and the sweep would.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from services.notify import webhooks as rules
from services.notify.api import router as inbox_router
from services.notify.api_webhooks import router
from services.notify.settings import NotifySettings
from services.notify.store import InboxStore
from services.notify.webhook_store import WEBHOOK_DELIVERIES, WEBHOOKS, WebhookStore
from shared.auth import Role
from shared.contracts import new_envelope
from shared.errors import install_error_handlers
from shared.testing.helpers import settings_for, token
from shared.testing.samples import registered
from shared.testing.servers import Servers

START = datetime(2025, 3, 5, 8, 0, tzinfo=UTC)


# --- the receiver --------------------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Receiver:
    """An integrator's endpoint: answers `status` (after `delay` seconds), records every request."""

    status: int = 200
    delay: float = 0.0
    port: int = field(default_factory=_free_port)
    requests: list[Received] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/congress"

    async def __call__(self, scope: Mapping[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        status = self.status
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append(Received(headers, body, status))
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok" if status < 300 else b"unavailable"})

    async def start(self) -> None:
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "receiver did not start"
            assert not self._task.done(), "receiver stopped at start"
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._server = self._task = None


# --- how a receiver verifies (services/notify/README.md, "Webhooks for integrators") -------------------


def receiver_verifies(secret: str, headers: Mapping[str, str], raw_body: bytes, *, now: float | None = None) -> bool:
    timestamp = headers["x-congress-timestamp"]
    if abs((now if now is not None else time.time()) - int(timestamp)) > 300:
        return False
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s.strip()) for s in headers["x-congress-signature"].split(","))


# --- the harness ---------------------------------------------------------------------------------


class Clock:
    """A clock the test moves."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def to(self, at: datetime) -> None:
        self.at = max(self.at, at)


@dataclass
class Harness:
    api: httpx.AsyncClient
    store: WebhookStore
    clock: Clock
    settings: NotifySettings
    db: Any

    def as_(self, subject: str, *roles: Role, congress_id: str = "c1") -> dict[str, str]:
        return token(self.settings, subject, *(roles or (Role.INTEGRATOR,)), congress_id=congress_id)

    async def subscribe(self, subject: str, url: str, types: list[str], **extra: Any) -> dict[str, Any]:
        response = await self.api.post(
            "/webhooks", json={"url": url, "event_types": types, **extra}, headers=self.as_(subject)
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def deliveries(self, subject: str, webhook_id: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.api.get(f"/webhooks/{webhook_id}/deliveries", params=params, headers=self.as_(subject))
        assert response.status_code == 200, response.text
        data: list[dict[str, Any]] = response.json()["data"]
        return data

    async def run_until_idle(self, *, limit: int = 50) -> int:
        """Sweep as DueSweeper would, moving the clock to each stored moment; how many sweeps ran."""
        sweeps = 0
        while (nxt := await self.store.next_due()) is not None:
            assert sweeps < limit, "deliveries never settle"
            self.clock.to(nxt)
            await self.store.deliver_due(self.clock())
            sweeps += 1
        return sweeps


@asynccontextmanager
async def harness(servers: Servers, namespace: str, **store_options: Any) -> AsyncIterator[Harness]:
    settings = settings_for(NotifySettings, servers, namespace)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url, tz_aware=True)
    db = mongo[settings.database_name]
    clock = Clock(START)
    async with httpx.AsyncClient() as http:
        store = WebhookStore(db, http, clock=clock, **store_options)
        inbox = InboxStore(db)
        await store.ensure_indexes()
        await inbox.ensure_indexes()
        app = FastAPI()
        install_error_handlers(app)
        app.include_router(router)
        app.include_router(inbox_router)
        app.state.settings = settings
        app.state.webhooks = store
        app.state.clock = clock
        app.state.store = inbox
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            try:
                yield Harness(api, store, clock, settings, db)
            finally:
                await mongo.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


def event(n: int = 1, *, congress_id: str = "c1") -> dict[str, Any]:
    """A registered-suggestion event as the consumer hands it over: the CloudEvents JSON as a dict."""
    envelope = new_envelope(registered(n), source="/congress/c1/intake", subject=f"s-{n}", congress_id=congress_id)
    data: dict[str, Any] = envelope.model_dump(mode="json")
    return data


def urged(n: int = 1) -> dict[str, Any]:
    return {**event(n), "id": f"urge-{n}", "type": "supervision.case.urged.v1", "data": {"case_id": f"s-{n}"}}


# --- tests ---------------------------------------------------------------------------------------


async def test_signed_delivery_verifies_and_a_redelivered_event_adds_nothing(
    servers: Servers, namespace: str, receiver: Receiver
) -> None:
    async with harness(servers, namespace) as h:
        created = await h.subscribe("int-1", receiver.url, ["intake.suggestion.registered.v1"], description="OA 系统")
        secret = created["secret"]
        assert secret.startswith("whsec_") and created["status"] == "active" and created["owner"] == "int-1"
        assert "secret" not in (await h.api.get(f"/webhooks/{created['id']}", headers=h.as_("int-1"))).json()

        e = event(1)
        assert await h.store.fan_out(e) == 1
        assert await h.store.fan_out(e) == 0  # the broker redelivers the same event
        assert await h.store.fan_out(urged(1)) == 0  # a type it did not ask for
        assert await h.store.fan_out(event(2, congress_id="c2")) == 0  # another congress
        assert await h.store.next_due() == h.clock()

        assert await h.store.deliver_due(h.clock()) == 1
        assert await h.store.next_due() is None
        await h.store.fan_out(e)
        assert await h.store.deliver_due(h.clock() + timedelta(hours=2)) == 0

        assert len(receiver.requests) == 1
        got = receiver.requests[0]
        assert got.headers["content-type"] == "application/cloudevents+json"
        assert got.headers["x-congress-webhook-id"] == f"{e['id']}:{created['id']}"
        assert receiver_verifies(secret, got.headers, got.body)
        assert rules.verify(secret, got.headers["x-congress-timestamp"], got.body, got.headers["x-congress-signature"])
        assert not receiver_verifies("whsec_wrong", got.headers, got.body)
        assert not receiver_verifies(secret, got.headers, got.body.replace(b"s-1", b"s-9"))
        assert not receiver_verifies(secret, got.headers, got.body, now=time.time() + 301)  # a replay much later
        assert json.loads(got.body) == e

        [delivery] = await h.deliveries("int-1", created["id"])
        assert delivery["id"] == f"{e['id']}:{created['id']}"
        assert delivery["status"] == "delivered" and delivery["attempt_count"] == 1
        assert delivery["delivered_at"] is not None and delivery["next_attempt_at"] is None
        [attempt] = delivery["attempts"]
        assert attempt["ok"] and attempt["status_code"] == 200 and attempt["error"] is None
        assert attempt["replay"] is False and attempt["duration_ms"] >= 0 and attempt["response"] == "ok"
        assert await h.db[WEBHOOK_DELIVERIES].count_documents({}) == 1

        # a rotation: for a day, each delivery carries the new signature and the old one
        rotated = (await h.api.post(f"/webhooks/{created['id']}/rotate-secret", headers=h.as_("int-1"))).json()
        assert rotated["secret"] != secret and rotated["previous_secret_valid_until"] is not None
        await h.store.fan_out(event(3))
        await h.store.deliver_due(h.clock())
        last = receiver.requests[-1]
        assert last.headers["x-congress-signature"].count("v1=") == 2
        assert receiver_verifies(rotated["secret"], last.headers, last.body)
        assert receiver_verifies(secret, last.headers, last.body)
        h.clock.to(h.clock() + timedelta(hours=25))
        await h.store.fan_out(event(4))
        await h.store.deliver_due(h.clock())
        last = receiver.requests[-1]
        assert receiver_verifies(rotated["secret"], last.headers, last.body)
        assert not receiver_verifies(secret, last.headers, last.body)


async def test_patterns_and_several_subscriptions_each_get_the_event_once(
    servers: Servers, namespace: str, receiver: Receiver
) -> None:
    async with harness(servers, namespace) as h:
        every = await h.subscribe("int-1", receiver.url, ["#"])
        cases = await h.subscribe("int-1", receiver.url + "?only=cases", ["supervision.case.*.*"])
        intake = await h.subscribe("int-2", receiver.url, ["intake.#", "intake.suggestion.registered.v1"])
        assert intake["event_types"] == ["intake.#", "intake.suggestion.registered.v1"]
        e = event(1)
        assert await h.store.fan_out(urged(1)) == 2
        assert await h.store.fan_out(e) == 2
        assert await h.store.fan_out({**urged(2), "type": "notify.webhook.delivered.v1"}) == 0
        assert await h.store.deliver_due(h.clock()) == 4
        assert {r.headers["x-congress-webhook-id"] for r in receiver.requests} == {
            f"urge-1:{every['id']}",
            f"urge-1:{cases['id']}",
            f"{e['id']}:{every['id']}",
            f"{e['id']}:{intake['id']}",
        }
        assert len(receiver.requests) == 4


async def test_a_receiver_down_for_a_while_gets_the_delivery_when_it_is_back(
    servers: Servers, namespace: str, receiver: Receiver
) -> None:
    async with harness(servers, namespace) as h:
        created = await h.subscribe("int-1", receiver.url, ["intake.suggestion.*.v1"])
        e = event(1)
        await h.store.fan_out(e)
        delivery_id = f"{e['id']}:{created['id']}"

        receiver.status = 503  # up, but failing
        await h.store.deliver_due(h.clock())
        await h.store.deliver_due(await _next(h))
        await receiver.stop()  # down: connections are refused
        await h.store.deliver_due(await _next(h))
        await h.store.deliver_due(await _next(h))
        [pending] = await h.deliveries("int-1", created["id"])
        assert pending["status"] == "pending" and pending["attempt_count"] == 4
        assert (await h.api.get(f"/webhooks/{created['id']}", headers=h.as_("int-1"))).json()[
            "consecutive_failures"
        ] == 4

        receiver.status = 200
        await receiver.start()  # back
        assert await h.run_until_idle() == 1

        [delivered] = await h.deliveries("int-1", created["id"])
        assert delivered["status"] == "delivered" and delivered["attempt_count"] == 5
        attempts = delivered["attempts"]
        assert [a["status_code"] for a in attempts] == [503, 503, None, None, 200]
        assert [a["ok"] for a in attempts] == [False, False, False, False, True]
        assert attempts[0]["error"] == "HTTP 503" and attempts[0]["response"] == "unavailable"
        assert all("Connect" in a["error"] for a in attempts[2:4])
        # the waits are the documented schedule: 10 s, 30 s, 90 s, 270 s, each shortened by < 10 %
        moments = [datetime.fromisoformat(a["at"]) for a in attempts]
        for n, (before, after) in enumerate(itertools.pairwise(moments), start=1):
            assert abs((after - before) - rules.retry_delay(n, delivery_id)) < timedelta(milliseconds=1)
        # every request carried the same delivery id and a good signature
        assert len(receiver.requests) == 3  # two 503s and the success; the refused ones never arrived
        assert {r.headers["x-congress-webhook-id"] for r in receiver.requests} == {delivery_id}
        assert all(receiver_verifies(created["secret"], r.headers, r.body) for r in receiver.requests)
        # the success reset the subscription's failure count
        assert (await h.api.get(f"/webhooks/{created['id']}", headers=h.as_("int-1"))).json()[
            "consecutive_failures"
        ] == 0


async def _next(h: Harness) -> datetime:
    nxt = await h.store.next_due()
    assert nxt is not None
    h.clock.to(nxt)
    return h.clock()


async def test_a_subscription_failing_for_long_is_disabled_and_its_owner_told(
    servers: Servers, namespace: str, receiver: Receiver
) -> None:
    async with harness(servers, namespace, max_attempts=3, disable_after=5) as h:
        created = await h.subscribe("int-1", receiver.url, ["#"], description="办公系统")
        webhook_id = created["id"]
        receiver.status = 503
        await h.store.fan_out(event(1))
        await h.store.fan_out(event(2))
        await h.run_until_idle()

        sub = (await h.api.get(f"/webhooks/{webhook_id}", headers=h.as_("int-1"))).json()
        assert sub["status"] == "disabled" and sub["disabled_reason"] == "consecutive_failures"
        assert sub["disabled_at"] is not None and sub["consecutive_failures"] == 5
        deliveries = await h.deliveries("int-1", webhook_id)
        assert sorted(d["status"] for d in deliveries) == ["failed", "paused"]
        failed = await h.deliveries("int-1", webhook_id, status="failed")
        assert len(failed) == 1 and failed[0]["attempt_count"] == 3 and failed[0]["failed_at"] is not None
        assert sum(d["attempt_count"] for d in deliveries) == 5
        assert len(receiver.requests) == 5

        # the owner has it in their inbox, once
        inbox = (await h.api.get("/inbox", headers=h.as_("int-1"))).json()
        assert inbox["count"] == 1
        [note] = inbox["data"]
        assert note["subject"] == "Webhook 订阅已停用" and "「办公系统」" in note["body"]
        assert note["case_id"] == webhook_id and note["link"] == f"/webhooks/{webhook_id}"
        assert (await h.api.get("/inbox", headers=h.as_("int-2"))).json()["count"] == 0

        # a disabled subscription gets nothing: no new deliveries, nothing due, nothing sent
        assert await h.store.fan_out(event(3)) == 0
        assert await h.store.next_due() is None
        assert await h.store.deliver_due(h.clock() + timedelta(days=1)) == 0
        assert len(receiver.requests) == 5
        assert (await h.api.get("/inbox", headers=h.as_("int-1"))).json()["count"] == 1

        # a crash between the disabling and the notice: the next sweep tells the owner
        await h.db["inbox"].delete_many({})
        await h.db[WEBHOOKS].update_one({"_id": webhook_id}, {"$set": {"notice_pending": True}})
        await h.store.deliver_due(h.clock())
        await h.store.deliver_due(h.clock())
        assert (await h.api.get("/inbox", headers=h.as_("int-1"))).json()["count"] == 1

        # enabled again: the count starts over and the paused delivery goes out
        receiver.status = 200
        enabled = (await h.api.post(f"/webhooks/{webhook_id}/enable", headers=h.as_("int-1"))).json()
        assert enabled["status"] == "active" and enabled["consecutive_failures"] == 0
        assert enabled["disabled_at"] is None and enabled["disabled_reason"] is None
        assert await h.store.next_due() == h.clock()
        await h.run_until_idle()
        statuses = {d["event_id"]: d["status"] for d in await h.deliveries("int-1", webhook_id)}
        assert sorted(statuses.values()) == ["delivered", "failed"]
        assert receiver.requests[-1].answered == 200

        # the one that gave up stays visible; an operator replays it
        failed_id = failed[0]["id"]
        replayed = (
            await h.api.post(f"/webhooks/{webhook_id}/deliveries/{failed_id}/replay", headers=h.as_("int-1"))
        ).json()
        assert replayed["status"] == "delivered" and replayed["replay_count"] == 1
        assert replayed["attempts"][-1]["replay"] is True and replayed["attempts"][-1]["ok"] is True

        # disabled again later: a second notice (one per disabling)
        receiver.status = 500
        for n in range(10, 16):
            await h.store.fan_out(event(n))
        await h.run_until_idle()
        assert (await h.api.get(f"/webhooks/{webhook_id}", headers=h.as_("int-1"))).json()["status"] == "disabled"
        assert (await h.api.get("/inbox", headers=h.as_("int-1"))).json()["count"] == 2


async def test_manual_disable_pauses_and_enable_resumes(servers: Servers, namespace: str, receiver: Receiver) -> None:
    async with harness(servers, namespace) as h:
        created = await h.subscribe("int-1", receiver.url, ["#"])
        await h.store.fan_out(event(1))
        disabled = (await h.api.post(f"/webhooks/{created['id']}/disable", headers=h.as_("int-1"))).json()
        assert disabled["status"] == "disabled" and disabled["disabled_reason"] == "manual"
        assert await h.store.deliver_due(h.clock()) == 0
        assert await h.store.fan_out(event(2)) == 0
        assert receiver.requests == []
        assert (await h.api.get("/inbox", headers=h.as_("int-1"))).json()["count"] == 0  # they did it themselves
        await h.api.post(f"/webhooks/{created['id']}/enable", headers=h.as_("int-1"))
        await h.run_until_idle()
        assert [d["status"] for d in await h.deliveries("int-1", created["id"])] == ["delivered"]
        assert len(receiver.requests) == 1


async def test_replay_sends_again_and_is_logged_as_a_replay(
    servers: Servers, namespace: str, receiver: Receiver
) -> None:
    async with harness(servers, namespace) as h:
        created = await h.subscribe("int-1", receiver.url, ["#"])
        e = event(1)
        await h.store.fan_out(e)
        await h.store.deliver_due(h.clock())
        delivery_id = f"{e['id']}:{created['id']}"
        path = f"/webhooks/{created['id']}/deliveries/{delivery_id}"

        h.clock.to(h.clock() + timedelta(minutes=5))
        replayed = (await h.api.post(f"{path}/replay", headers=h.as_("int-1"))).json()
        assert replayed["status"] == "delivered" and replayed["attempt_count"] == 1 and replayed["replay_count"] == 1
        assert [a["replay"] for a in replayed["attempts"]] == [False, True]
        assert replayed["attempts"][1]["at"].startswith("2025-03-05T08:05:00")
        assert len(receiver.requests) == 2
        first, again = receiver.requests
        assert again.headers["x-congress-webhook-id"] == first.headers["x-congress-webhook-id"] == delivery_id
        assert again.body == first.body
        assert receiver_verifies(created["secret"], again.headers, again.body)

        # a failing replay is logged and changes nothing else
        receiver.status = 502
        failing = (await h.api.post(f"{path}/replay", headers=h.as_("int-1"))).json()
        assert failing["status"] == "delivered" and failing["next_attempt_at"] is None
        assert failing["attempts"][-1] | {"at": None, "duration_ms": 0} == {
            "at": None,
            "replay": True,
            "ok": False,
            "status_code": 502,
            "error": "HTTP 502",
            "duration_ms": 0,
            "response": "unavailable",
        }
        assert (await h.api.get(f"/webhooks/{created['id']}", headers=h.as_("int-1"))).json()[
            "consecutive_failures"
        ] == 0
        assert (await h.api.get(path, headers=h.as_("int-1"))).json()["replay_count"] == 2

        missing = await h.api.post(f"/webhooks/{created['id']}/deliveries/nope:x/replay", headers=h.as_("int-1"))
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "webhook.delivery_not_found"
        other = await h.api.post(f"{path}/replay", headers=h.as_("int-2"))
        assert other.status_code == 404 and other.json()["error"]["code"] == "webhook.not_found"
        assert len(receiver.requests) == 3


async def test_an_integrator_sees_only_their_own_subscriptions(servers: Servers, namespace: str) -> None:
    async with harness(servers, namespace) as h:
        mine = await h.subscribe("int-1", "https://a.example.com/hook", ["#"])
        theirs = await h.subscribe("int-2", "https://b.example.com/hook", ["#"])

        listed = (await h.api.get("/webhooks", headers=h.as_("int-1"))).json()
        assert listed["count"] == 1 and [w["id"] for w in listed["data"]] == [mine["id"]]
        assert all("secret" not in w for w in listed["data"])
        for method, path in [
            ("GET", f"/webhooks/{theirs['id']}"),
            ("DELETE", f"/webhooks/{theirs['id']}"),
            ("POST", f"/webhooks/{theirs['id']}/disable"),
            ("POST", f"/webhooks/{theirs['id']}/enable"),
            ("POST", f"/webhooks/{theirs['id']}/rotate-secret"),
            ("GET", f"/webhooks/{theirs['id']}/deliveries"),
        ]:
            response = await h.api.request(method, path, headers=h.as_("int-1"))
            assert response.status_code == 404, (method, path)
            assert response.json()["error"]["code"] == "webhook.not_found"
        # the same subject in another congress sees nothing either
        elsewhere = h.as_("int-1", Role.INTEGRATOR, congress_id="c2")
        assert (await h.api.get("/webhooks", headers=elsewhere)).json()["count"] == 0
        assert (await h.api.get(f"/webhooks/{mine['id']}", headers=elsewhere)).status_code == 404
        # an admin of the congress sees and manages all of them
        admin = h.as_("adm-1", Role.ADMIN)
        assert (await h.api.get("/webhooks", headers=admin)).json()["count"] == 2
        assert (await h.api.post(f"/webhooks/{theirs['id']}/disable", headers=admin)).json()["status"] == "disabled"
        assert (await h.api.get("/webhooks?status=disabled", headers=admin)).json()["count"] == 1
        # other roles may not use webhooks at all
        for role in (Role.DEPUTY, Role.STAFF, Role.UNIT_HANDLER):
            denied = await h.api.get("/webhooks", headers=h.as_("x-1", role))
            assert denied.status_code == 403 and denied.json()["error"]["code"] == "auth.role_not_allowed"
        assert (await h.api.get("/webhooks")).status_code == 401
        # the owner deletes theirs; its deliveries go with it
        await h.store.fan_out(event(1))
        assert (await h.api.delete(f"/webhooks/{mine['id']}", headers=h.as_("int-1"))).status_code == 204
        assert (await h.api.get(f"/webhooks/{mine['id']}", headers=h.as_("int-1"))).status_code == 404
        assert await h.db[WEBHOOK_DELIVERIES].count_documents({"subscription_id": mine["id"]}) == 0
        assert await h.db[WEBHOOKS].count_documents({}) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "http://example.com/hook", "event_types": ["#"]}, "webhook.url_invalid"),
        ({"url": "ftp://example.com/hook", "event_types": ["#"]}, "webhook.url_invalid"),
        ({"url": "https://u:p@example.com/hook", "event_types": ["#"]}, "webhook.url_invalid"),
        ({"url": "not a url", "event_types": ["#"]}, "webhook.url_invalid"),
        ({"url": "https://example.com/hook", "event_types": []}, "webhook.types_invalid"),
        ({"url": "https://example.com/hook", "event_types": ["supervision.case"]}, "webhook.types_invalid"),
        ({"url": "https://example.com/hook", "event_types": ["Intake.*"]}, "webhook.types_invalid"),
        ({"url": "https://example.com/hook", "event_types": "#"}, "request.invalid"),
        ({"url": "https://example.com/hook"}, "request.invalid"),
        ({"url": "https://example.com/hook", "event_types": ["#"], "secret": "mine"}, "request.invalid"),
        ({"url": "https://example.com/hook", "event_types": ["#"], "description": "x" * 501}, "request.invalid"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_written(
    servers: Servers, namespace: str, body: dict[str, Any], code: str
) -> None:
    async with harness(servers, namespace) as h:
        response = await h.api.post("/webhooks", json=body, headers=h.as_("int-1"))
        assert response.status_code == 422
        assert response.json()["error"]["code"] == code
        assert await h.db[WEBHOOKS].count_documents({}) == 0
        missing = await h.api.get("/webhooks/wh_nope", headers=h.as_("int-1"))
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "webhook.not_found"
        bad_status = await h.api.get("/webhooks?status=sleeping", headers=h.as_("int-1"))
        assert bad_status.status_code == 422 and bad_status.json()["error"]["code"] == "request.invalid"


async def test_deliveries_go_out_concurrently_within_the_bound_and_slow_ones_time_out(
    servers: Servers, namespace: str, receiver: Receiver
) -> None:
    async with harness(servers, namespace, concurrency=4, timeout_seconds=0.5) as h:
        created = await h.subscribe("int-1", receiver.url, ["#"])
        for n in range(12):
            await h.store.fan_out(event(n))
        receiver.delay = 0.2
        started = time.monotonic()
        assert await h.store.deliver_due(h.clock()) == 12
        assert time.monotonic() - started < 12 * 0.2  # not one by one
        assert 2 <= receiver.max_in_flight <= 4

        receiver.delay = 1.0  # slower than the timeout
        await h.store.fan_out(event(99))
        await h.store.deliver_due(h.clock())
        slow = [d for d in await h.deliveries("int-1", created["id"]) if d["status"] == "pending"]
        assert len(slow) == 1
        [attempt] = slow[0]["attempts"]
        assert attempt["error"] == "timeout after 0.5 s" and attempt["status_code"] is None
        assert attempt["duration_ms"] < 1500
