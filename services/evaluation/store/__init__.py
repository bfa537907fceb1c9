"""Evaluation's MongoDB collections."""

from services.evaluation.store.raters import RATERS, RaterStore

__all__ = ["RATERS", "RaterStore"]
