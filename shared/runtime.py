"""What a running service holds: Mongo client, broker, publisher, outbox relay, consumer; health.

Each service's `create_app(settings)` builds a ServiceRuntime and hands its lifespan to FastAPI.
Nothing connects at import time.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.rabbit import RabbitBroker
from faststream.rabbit.schemas import Channel

from shared.bus import EventConsumer, EventFactory, EventHandlers, EventPublisher, OutboxRelay, Topology
from shared.mongo import AsyncDatabase, Doc, mongo_client, ping
from shared.settings import ServiceSettings

log = logging.getLogger("shared.runtime")
CONNECT_ATTEMPTS_S = 60.0
STOP_TIMEOUT_S = 15.0


class ServiceRuntime:
    """The connections and background work of one service process."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        outbox_collections: list[str],
    ) -> None:
        self.settings = settings
        self.service = settings.service_name
        self.topology = Topology(settings.bus_namespace)
        self.mongo = mongo_client(settings)
        self.db: AsyncDatabase[Doc] = self.mongo[settings.database_name]
        self.broker = RabbitBroker(
            settings.amqp_url,
            default_channel=Channel(prefetch_count=settings.prefetch, publisher_confirms=True, on_return_raises=True),
            app_id=f"congress-{self.service}",
            reconnect_interval=1.0,
            graceful_timeout=10.0,
            log_level=logging.DEBUG,
        )
        self.publisher = EventPublisher(self.broker, self.topology)
        self.events = EventFactory(self.service)
        self.relay = OutboxRelay(self.db, outbox_collections, self.publisher, poll_seconds=settings.outbox_poll_seconds)
        self.handlers = EventHandlers()
        self.consumer = EventConsumer(
            self.broker,
            self.topology,
            self.service,
            self.handlers,
            retry_delays_ms=settings.retry_delays_ms,
            delivery_limit=settings.delivery_limit,
        )
        self.started = False
        # Background work of the service itself (e.g. a sweep): started after the relay, stopped before it.
        self.background: list[tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]] = []

    def add_background(self, start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]) -> None:
        """Run a service's own background work while the runtime runs."""
        self.background.append((start, stop))

    def consume(self, handlers: EventHandlers) -> None:
        """Set the service's event handlers (before start)."""
        self.handlers = handlers
        self.consumer.handlers = handlers

    async def start(self, prepare_store: Callable[[], Awaitable[None]] | None = None) -> None:
        """Create indexes, connect the broker, declare topology, consume, start the relay."""
        if prepare_store is not None:
            await prepare_store()
        await self.relay.ensure_indexes()
        await self._connect_broker()
        await self._declare()
        if self.handlers.routing_keys:
            self.consumer.subscribe()
        await self.broker.start()
        self.relay.start()
        for start, _ in self.background:
            await start()
        self.started = True

    async def _connect_broker(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CONNECT_ATTEMPTS_S
        delay = 0.5
        while True:
            try:
                await self.broker.connect()
                return
            except Exception as exc:
                if loop.time() > deadline:
                    raise
                log.warning("%s: broker not reachable yet (%r); retrying", self.service, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _declare(self) -> None:
        if self.handlers.routing_keys:
            await self.consumer.declare()
        else:
            from shared.bus.topology import declare_events_exchange

            await declare_events_exchange(self.broker, self.topology)

    async def stop(self) -> None:
        """Stop the background work, the relay, the consumer and the connections."""
        for _, stop in reversed(self.background):
            await stop()
        await self.relay.stop()
        try:
            # A channel the broker no longer answers on (e.g. a cancel that times out) must not keep the
            # process from stopping: unacknowledged messages go back to the queue anyway.
            await asyncio.wait_for(self.broker.stop(), timeout=STOP_TIMEOUT_S)
        except Exception as exc:  # shutting down (a timeout included): log and carry on
            log.warning("%s: the broker connection did not stop cleanly (%r); closing anyway", self.service, exc)
        await self.mongo.close()
        self.started = False

    async def readiness(self) -> dict[str, bool]:
        """Whether MongoDB and the broker answer."""
        mongo_ok = await ping(self.mongo)
        try:
            broker_ok = bool(await self.broker.ping(timeout=2.0))
        except Exception:
            broker_ok = False
        return {"mongodb": mongo_ok, "broker": broker_ok}

    def lifespan(self, prepare_store: Callable[[], Awaitable[None]] | None = None) -> Callable[[FastAPI], Any]:
        """A FastAPI lifespan that starts and stops this runtime."""

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            await self.start(prepare_store)
            try:
                yield
            finally:
                await self.stop()

        return lifespan


def health_router() -> APIRouter:
    """/healthz (the process answers) and /readyz (MongoDB and the broker answer)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="MongoDB and RabbitMQ answer", responses={503: {"description": "not ready"}})
    async def readyz(request: Request) -> JSONResponse:
        runtime: ServiceRuntime = request.app.state.runtime
        checks = await runtime.readiness()
        ready = runtime.started and all(checks.values())
        return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks}, 200 if ready else 503)

    return router


MAX_BODY_BYTES = 1_048_576


class BodySizeLimit:
    """Refuses request bodies larger than a limit with 413 `request.too_large`, before any parsing."""

    def __init__(self, app: Any, max_bytes: int = MAX_BODY_BYTES, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # path pattern → limit, for the few routes that take files
        self.larger = [(re.compile(p), n) for p, n in (larger or {}).items()]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = next((n for pattern, n in self.larger if pattern.match(path)), self.max_bytes)
        for key, value in scope.get("headers", []):
            if key == b"content-length" and value.isdigit() and int(value) > limit:
                await _too_large(send)
                return
        # Without a (trusted) length, read the body here, up to the limit, and replay it to the app.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await _too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Any) -> None:
    import json

    body = json.dumps({"error": {"code": "request.too_large", "message": "The request body is too large."}}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def make_app(
    *,
    title: str,
    description: str,
    runtime: ServiceRuntime,
    routers: list[APIRouter],
    prepare_store: Callable[[], Awaitable[None]] | None = None,
    case_path: str | None = None,
    case_collection: str | None = None,
    state: dict[str, Any] | None = None,
    large_bodies: dict[str, int] | None = None,
) -> FastAPI:
    """The FastAPI app of a service: lifespan, error mapping, health, routes, tracing, body limit."""
    from shared.errors import install_error_handlers
    from shared.tracing import instrument_fastapi, trace_id_hex

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=runtime.lifespan(prepare_store))
    app.state.settings = runtime.settings
    app.state.runtime = runtime
    for key, value in (state or {}).items():
        setattr(app.state, key, value)
    install_error_handlers(app)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)

    @app.middleware("http")
    async def trace_id_header(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        response = await call_next(request)
        trace_id = trace_id_hex()
        # not on a refusal: joining a case's trace must not tell a caller the case exists
        if trace_id and not 400 <= response.status_code < 500:
            response.headers["X-Trace-Id"] = trace_id
        return response

    app.add_middleware(BodySizeLimit, larger=large_bodies)
    resolver = case_trace_resolver(runtime.db[case_collection], runtime.settings) if case_collection else None
    instrument_fastapi(app, case_path, resolver)
    return app


def case_trace_resolver(
    collection: Any, settings: ServiceSettings
) -> Callable[[str, str | None], Awaitable[str | None]]:
    """Looks up a case's stored trace context, for a caller whose token names the case's congress."""
    from shared.auth import decode_token
    from shared.errors import DomainError

    async def resolve(case_id: str, authorization: str | None) -> str | None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            principal = decode_token(settings, token.strip())
        except DomainError:
            return None
        doc = await collection.find_one({"_id": case_id, "congress_id": principal.congress_id}, {"trace": 1})
        traceparent = (doc or {}).get("trace", {}).get("traceparent")
        return str(traceparent) if traceparent else None

    return resolve
