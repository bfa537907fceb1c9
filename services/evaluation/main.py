"""Evaluation service: create_app(settings) wires store, bus, routes and tracing."""

from __future__ import annotations

from fastapi import FastAPI

from services.evaluation.api import router
from services.evaluation.consumers import build_handlers
from services.evaluation.settings import EvaluationSettings
from services.evaluation.store import RATERS, RaterStore
from shared.runtime import ServiceRuntime, make_app
from shared.tracing import configure_tracing


def create_app(settings: EvaluationSettings | None = None) -> FastAPI:
    """The evaluation app; nothing connects until its lifespan starts."""
    settings = settings or EvaluationSettings()
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[])
    store = RaterStore(runtime.db)
    runtime.consume(build_handlers(store))
    return make_app(
        title="Evaluation (评)",
        description="Deputies' ratings of replies, ballots for key suggestions, democratic evaluation.",
        runtime=runtime,
        routers=[router],
        prepare_store=store.ensure_indexes,
        case_path=r"^/suggestions/(?P<case_id>[^/]+)",
        case_collection=RATERS,
        state={"store": store},
    )
