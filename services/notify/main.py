"""Notify service: create_app(settings) wires store, bus, routes and tracing."""

from __future__ import annotations

from fastapi import FastAPI

from services.notify.api import router
from services.notify.consumers import build_handlers
from services.notify.settings import NotifySettings
from services.notify.store import InboxStore
from shared.runtime import ServiceRuntime, make_app
from shared.tracing import configure_tracing


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    """The notify app; nothing connects until its lifespan starts."""
    settings = settings or NotifySettings()
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[])
    store = InboxStore(runtime.db)
    runtime.consume(build_handlers(store, settings))
    return make_app(
        title="Notify",
        description="Each person's inbox; e-mail, SMS and webhooks for integrators.",
        runtime=runtime,
        routers=[router],
        prepare_store=store.ensure_indexes,
        state={"store": store},
    )
