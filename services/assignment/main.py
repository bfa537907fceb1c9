"""Assignment service: create_app(settings) wires stores, bus, window sweep, routes and tracing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from services.assignment.api import assignment, cases, negotiation, pre_assignment, rules, units
from services.assignment.consumers import build_handlers
from services.assignment.proposals import RouterCache
from services.assignment.settings import AssignmentSettings
from services.assignment.store import CASES, UNITS, CaseStore, PolicyStore, UnitStore
from services.assignment.windows import window_sweeper
from shared.runtime import ServiceRuntime, make_app
from shared.tracing import configure_tracing


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: AssignmentSettings | None = None, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """The assignment app; nothing connects until its lifespan starts. `clock` is for tests that move time."""
    settings = settings or AssignmentSettings()
    clock = clock or _utc_now
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[CASES, UNITS])
    case_store = CaseStore(runtime.db, runtime.events, runtime.relay)
    unit_store = UnitStore(runtime.db, runtime.events, runtime.relay)
    policies = PolicyStore(runtime.db)
    routers = RouterCache(unit_store, case_store, max_age_seconds=settings.router_max_age_seconds)
    sweeper = window_sweeper(case_store, clock, interval_seconds=settings.window_sweep_seconds)
    runtime.consume(build_handlers(case_store, clock))
    runtime.add_background(sweeper.start, sweeper.stop)

    async def prepare_store() -> None:
        await case_store.ensure_indexes()
        await unit_store.ensure_indexes()

    return make_app(
        title="Assignment (交)",
        description=(
            "Handling units, routing proposals, pre-assignment, objections, negotiation, formal assignment, "
            "reassignment and leader-led handling of registered suggestions."
        ),
        runtime=runtime,
        routers=[
            cases.router,
            pre_assignment.router,
            negotiation.router,
            assignment.router,
            rules.router,
            units.router,
        ],
        prepare_store=prepare_store,
        case_path=r"^/cases/(?P<case_id>[^/]+)",
        case_collection=CASES,
        state={
            "cases": case_store,
            "units": unit_store,
            "policies": policies,
            "routers": routers,
            "sweeper": sweeper,
            "clock": clock,
        },
        large_bodies={r"^/units/import$": 11 * 1024 * 1024, r"^/units/bulk$": 11 * 1024 * 1024},
    )
