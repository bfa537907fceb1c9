"""Assignment's MongoDB collections."""

from services.assignment.store.cases import CASES, CaseStore
from services.assignment.store.policies import POLICIES, PolicyStore
from services.assignment.store.units import UNITS, UnitStore

__all__ = ["CASES", "POLICIES", "UNITS", "CaseStore", "PolicyStore", "UnitStore"]
