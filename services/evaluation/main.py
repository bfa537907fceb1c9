"""Evaluation service: create_app(settings) wires stores, bus, the sweeps, routes and tracing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from services.evaluation.api import ballots, raters, ratings, rules, selections
from services.evaluation.consumers import build_handlers
from services.evaluation.settings import EvaluationSettings
from services.evaluation.store import RATERS, RaterStore
from services.evaluation.store.ballots import BALLOTS, BallotStore
from services.evaluation.store.policies import PolicyStore
from services.evaluation.store.ratings import RATINGS, RatingStore
from services.evaluation.store.selections import ASSESSMENTS, SELECTIONS, SelectionStore
from shared.runtime import ServiceRuntime, make_app
from shared.sweep import DueSweeper
from shared.tracing import configure_tracing


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: EvaluationSettings | None = None, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """The evaluation app; nothing connects until its lifespan starts. `clock` is for tests that move time."""
    settings = settings or EvaluationSettings()
    clock = clock or _utc_now
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[RATINGS, BALLOTS, SELECTIONS, ASSESSMENTS])
    rater_store = RaterStore(runtime.db)
    policies = PolicyStore(runtime.db)
    rating_store = RatingStore(runtime.db, runtime.events, runtime.relay, policies)
    ballot_store = BallotStore(runtime.db, runtime.events, runtime.relay)
    selection_store = SelectionStore(runtime.db, runtime.events, runtime.relay)
    rating_sweep = DueSweeper(
        "evaluation-rating-windows",
        rating_store.settle_due,
        rating_store.next_due,
        clock,
        interval_seconds=settings.sweep_seconds,
    )
    ballot_sweep = DueSweeper(
        "evaluation-ballot-closes",
        ballot_store.close_due,
        ballot_store.next_due,
        clock,
        interval_seconds=settings.sweep_seconds,
    )
    runtime.consume(build_handlers(rater_store, rating_store, selection_store, clock))
    runtime.add_background(rating_sweep.start, rating_sweep.stop)
    runtime.add_background(ballot_sweep.start, ballot_sweep.stop)

    async def prepare_store() -> None:
        await rater_store.ensure_indexes()
        await rating_store.ensure_indexes()
        await ballot_store.ensure_indexes()
        await selection_store.ensure_indexes()

    return make_app(
        title="Evaluation (评)",
        description=(
            "Deputies' ratings of replies, ballots for key suggestions, democratic evaluation with its 60% rules, "
            "yearly selections and unit assessment."
        ),
        runtime=runtime,
        routers=[raters.router, ratings.router, ballots.router, selections.router, rules.router],
        prepare_store=prepare_store,
        case_path=r"^/(?:suggestions|cases)/(?P<case_id>[^/]+)",
        case_collection=RATERS,
        state={
            "store": rater_store,
            "raters": rater_store,
            "policies": policies,
            "ratings": rating_store,
            "ballots": ballot_store,
            "selections": selection_store,
            "rating_sweep": rating_sweep,
            "ballot_sweep": ballot_sweep,
            "clock": clock,
        },
    )
