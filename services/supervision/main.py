"""Supervision service: create_app(settings) wires stores, bus, the sweep, routes and tracing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from services.supervision.api import cases, figures, handling, keys, public, rules, staff
from services.supervision.consumers import build_handlers
from services.supervision.settings import SupervisionSettings
from services.supervision.store import CASES, CaseStore, PolicyStore
from services.supervision.store.keys import KEY_CASES, KeyStore
from services.supervision.sweep import sweeper as make_sweeper
from shared.runtime import ServiceRuntime, make_app
from shared.tracing import configure_tracing


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: SupervisionSettings | None = None, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """The supervision app; nothing connects until its lifespan starts. `clock` is for tests that move time."""
    settings = settings or SupervisionSettings()
    clock = clock or _utc_now
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[CASES, KEY_CASES])
    case_store = CaseStore(runtime.db, runtime.events, runtime.relay)
    policies = PolicyStore(runtime.db)
    key_store = KeyStore(runtime.db, runtime.events, runtime.relay, case_store)
    sweeper = make_sweeper(case_store, policies, clock, interval_seconds=settings.sweep_seconds)
    runtime.consume(build_handlers(case_store, policies, clock, key_store.on_key_suggestions_selected))
    runtime.add_background(sweeper.start, sweeper.stop)

    async def prepare_store() -> None:
        await case_store.ensure_indexes()
        await key_store.ensure_indexes()

    return make_app(
        title="Supervision (办 + 督)",
        description=(
            "The handling ledger of assigned cases: sign-for, contacts with the deputy, co-unit opinions, replies, "
            "review, extensions, traffic lights, urging, key supervision, B commitments, re-handling, figures and "
            "published replies."
        ),
        runtime=runtime,
        routers=[cases.router, handling.router, staff.router, keys.router, figures.router, public.router, rules.router],
        prepare_store=prepare_store,
        case_path=r"^/cases/(?P<case_id>[^/]+)",
        case_collection=CASES,
        state={"cases": case_store, "policies": policies, "keys": key_store, "sweeper": sweeper, "clock": clock},
    )
