"""Assignment service: create_app(settings) wires store, bus, routes and tracing."""

from __future__ import annotations

from fastapi import FastAPI

from services.assignment.api import router
from services.assignment.consumers import build_handlers
from services.assignment.settings import AssignmentSettings
from services.assignment.store import CASES, CaseStore
from shared.runtime import ServiceRuntime, make_app
from shared.tracing import configure_tracing


def create_app(settings: AssignmentSettings | None = None) -> FastAPI:
    """The assignment app; nothing connects until its lifespan starts."""
    settings = settings or AssignmentSettings()
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[CASES])
    store = CaseStore(runtime.db)
    runtime.consume(build_handlers(store))
    return make_app(
        title="Assignment (交)",
        description="Pre-assignment, objections, negotiation and formal assignment of cases to handling units.",
        runtime=runtime,
        routers=[router],
        prepare_store=store.ensure_indexes,
        case_path=r"^/cases/(?P<case_id>[^/]+)",
        case_collection=CASES,
        state={"store": store},
    )
