"""Supervision service: create_app(settings) wires bus, routes and tracing."""

from __future__ import annotations

from fastapi import FastAPI

from services.supervision.consumers import build_handlers
from services.supervision.settings import SupervisionSettings
from shared.runtime import ServiceRuntime, make_app
from shared.tracing import configure_tracing


def create_app(settings: SupervisionSettings | None = None) -> FastAPI:
    """The supervision app; nothing connects until its lifespan starts."""
    settings = settings or SupervisionSettings()
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[])
    runtime.consume(build_handlers())
    return make_app(
        title="Supervision (办 + 督)",
        description="Handling ledger, replies, deadlines, traffic lights, urging and figures.",
        runtime=runtime,
        routers=[],
    )
