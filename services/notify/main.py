"""Notify service: create_app(settings) wires store, bus, routes and tracing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from services.notify import api_templates, api_webhooks
from services.notify.api import router
from services.notify.consumers import build_handlers
from services.notify.directory import Directory
from services.notify.settings import NotifySettings
from services.notify.store import InboxStore
from services.notify.template_store import TemplateStore
from services.notify.webhook_store import WebhookStore
from shared.runtime import ServiceRuntime, make_app
from shared.sweep import DueSweeper
from shared.tracing import configure_tracing


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: NotifySettings | None = None, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """The notify app; nothing connects until its lifespan starts. `clock` is for tests that move time."""
    settings = settings or NotifySettings()
    clock = clock or _utc_now
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[])
    store = InboxStore(runtime.db)
    directory = Directory(runtime.db)
    templates = TemplateStore(runtime.db)
    webhooks = WebhookStore(
        runtime.db,
        clock=clock,
        link_base=settings.public_base_url,
        allow_local_http=settings.webhook_allow_local_http,
    )
    webhook_sweep = DueSweeper(
        "notify-webhooks", webhooks.deliver_due, webhooks.next_due, clock, interval_seconds=settings.sweep_seconds
    )
    webhooks.on_due = webhook_sweep.wake
    runtime.consume(build_handlers(store, settings, directory, webhooks))
    runtime.add_background(webhook_sweep.start, webhook_sweep.stop)
    runtime.add_background(_nothing, webhooks.close)

    async def prepare_store() -> None:
        await store.ensure_indexes()
        await directory.ensure_indexes()
        await webhooks.ensure_indexes()

    return make_app(
        title="Notify",
        description="Each person's inbox; e-mail, SMS and webhooks for integrators.",
        runtime=runtime,
        routers=[router, api_templates.router, api_webhooks.router],
        prepare_store=prepare_store,
        state={
            "store": store,
            "directory": directory,
            "templates": templates,
            "webhooks": webhooks,
            "webhook_sweep": webhook_sweep,
            "clock": clock,
        },
    )


async def _nothing() -> None:
    return None
