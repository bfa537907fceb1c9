"""Intake's MongoDB collections: suggestions, the directory (congresses, deputies), opinions."""

from services.intake.store.directory import CONGRESSES, DEPUTIES, DirectoryStore
from services.intake.store.suggestions import SUGGESTIONS, SuggestionFilter, SuggestionStore

__all__ = ["CONGRESSES", "DEPUTIES", "SUGGESTIONS", "DirectoryStore", "SuggestionFilter", "SuggestionStore"]
