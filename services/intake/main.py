"""Intake service: create_app(settings) wires stores, bus, routes and tracing."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from services.intake import operations, spreadsheets
from services.intake.api import routers
from services.intake.consumers import build_handlers
from services.intake.settings import IntakeSettings
from services.intake.store import DEPUTIES, OPINIONS, SUGGESTIONS, DirectoryStore, OpinionStore, SuggestionStore
from shared import similarity
from shared.runtime import ServiceRuntime, make_app
from shared.tracing import configure_tracing

IMPORT_PATHS = r"^/(deputies|suggestions)/import$"


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    """The intake app; nothing connects until its lifespan starts."""
    settings = settings or IntakeSettings()
    configure_tracing(settings.service_name)
    runtime = ServiceRuntime(settings, outbox_collections=[SUGGESTIONS, DEPUTIES, OPINIONS])
    suggestions = SuggestionStore(runtime.db, runtime.events, runtime.relay)
    directory = DirectoryStore(runtime.db, runtime.events, runtime.relay)
    opinions = OpinionStore(runtime.db, runtime.events, runtime.relay)
    runtime.consume(build_handlers(suggestions, directory))

    async def prepare() -> None:
        await suggestions.ensure_indexes()
        await directory.ensure_indexes()
        await opinions.ensure_indexes()
        # load the Chinese dictionary now, not on the first deputy's request (about a second)
        await asyncio.to_thread(similarity.tokenize, "关于预热分词词典的建议")
        await operations.finish_merges(suggestions)

    return make_app(
        title="Intake (提)",
        description="Deputies draft and submit suggestions; staff review, return, register, merge and pass them up.",
        runtime=runtime,
        routers=routers,
        prepare_store=prepare,
        case_path=r"^/suggestions/(?P<case_id>[^/]+)",
        case_collection=SUGGESTIONS,
        state={"suggestions": suggestions, "directory": directory, "opinions": opinions},
        large_bodies={IMPORT_PATHS: spreadsheets.MAX_FILE_BYTES + 64 * 1024},
    )
