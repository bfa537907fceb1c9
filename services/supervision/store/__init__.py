"""Supervision's MongoDB collections."""

from services.supervision.store.cases import CASES, CaseStore
from services.supervision.store.policies import POLICIES, PolicyStore

__all__ = ["CASES", "POLICIES", "CaseStore", "PolicyStore"]
