"""Intake service: create_app(settings) wires store, bus, routes and tracing."""

from __future__ import annotations

from fastapi import FastAPI

from services.intake.api import router
from services.intake.consumers import build_handlers
from services.intake.settings import IntakeSettings
from services.intake.store import SUGGESTIONS, SuggestionStore
from shared.runtime import ServiceRuntime, make_app
from shared.tracing import configure_tracing


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    """The intake app; nothing connects until its lifespan starts."""
    settings = settings or IntakeSettings()
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[SUGGESTIONS])
    runtime.consume(build_handlers())
    store = SuggestionStore(runtime.db, runtime.events, runtime.relay)
    return make_app(
        title="Intake (提)",
        description="Deputies submit suggestions; staff review, register and number them.",
        runtime=runtime,
        routers=[router],
        prepare_store=store.ensure_indexes,
        case_path=r"^/suggestions/(?P<case_id>[^/]+)",
        case_collection=SUGGESTIONS,
        state={"store": store},
    )
