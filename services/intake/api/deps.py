"""What intake's routes depend on, as `Annotated` aliases so a signature reads as a sentence."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.intake.settings import IntakeSettings
from services.intake.store import DirectoryStore, SuggestionStore
from shared.auth import Principal, Role, require


def _suggestions(request: Request) -> SuggestionStore:
    store: SuggestionStore = request.app.state.suggestions
    return store


def _directory(request: Request) -> DirectoryStore:
    store: DirectoryStore = request.app.state.directory
    return store


def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


Suggestions = Annotated[SuggestionStore, Depends(_suggestions)]
Directory = Annotated[DirectoryStore, Depends(_directory)]
Settings = Annotated[IntakeSettings, Depends(_settings)]
DeputyUser = Annotated[Principal, Depends(require(Role.DEPUTY))]
StaffUser = Annotated[Principal, Depends(require(Role.STAFF))]
AdminOrStaff = Annotated[Principal, Depends(require(Role.ADMIN, Role.STAFF))]
