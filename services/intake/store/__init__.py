"""Intake's MongoDB collections: suggestions, the directory (congresses, deputies), opinions."""

from services.intake.store.directory import CONGRESSES, DEPUTIES, DirectoryStore
from services.intake.store.opinions import OPINIONS, OpinionStore
from services.intake.store.suggestions import SUGGESTIONS, SuggestionFilter, SuggestionStore

__all__ = [
    "CONGRESSES",
    "DEPUTIES",
    "OPINIONS",
    "SUGGESTIONS",
    "DirectoryStore",
    "OpinionStore",
    "SuggestionFilter",
    "SuggestionStore",
]
