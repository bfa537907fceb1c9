"""Notify service: create_app(settings) wires store, bus, routes and tracing."""

from __future__ import annotations

from fastapi import FastAPI

from services.notify import api_templates
from services.notify.api import router
from services.notify.consumers import build_handlers
from services.notify.directory import Directory
from services.notify.settings import NotifySettings
from services.notify.store import InboxStore
from services.notify.template_store import TemplateStore
from shared.runtime import ServiceRuntime, make_app
from shared.tracing import configure_tracing


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    """The notify app; nothing connects until its lifespan starts."""
    settings = settings or NotifySettings()
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[])
    store = InboxStore(runtime.db)
    directory = Directory(runtime.db)
    templates = TemplateStore(runtime.db)
    runtime.consume(build_handlers(store, settings, directory))

    async def prepare_store() -> None:
        await store.ensure_indexes()
        await directory.ensure_indexes()

    return make_app(
        title="Notify",
        description="Each person's inbox; e-mail, SMS and webhooks for integrators.",
        runtime=runtime,
        routers=[router, api_templates.router],
        prepare_store=prepare_store,
        state={"store": store, "directory": directory, "templates": templates},
    )
