"""Routing proposals (拟办) for a congress's cases: a `routing.Router` per congress, kept in memory.

A congress's router is built from its active units (duties) and from every decision staff made on its
assigned cases (lead and co-units), then kept. It learns each formal assignment and reassignment made
in this process at once (`learn`); a change of the registry in this process (`invalidate`) rebuilds it
on the next proposal. Changes made by another replica reach this one when the router is older than
`max_age_seconds` and is rebuilt.
"""

from __future__ import annotations

import asyncio
import time

from services.assignment.domain import Case
from services.assignment.routing import PastDecision, Router, RoutingResult
from services.assignment.store import CaseStore, UnitStore
from shared.errors import Conflict


class RouterCache:
    """One router per congress, rebuilt when stale."""

    def __init__(self, units: UnitStore, cases: CaseStore, *, max_age_seconds: float = 300.0) -> None:
        self.units = units
        self.cases = cases
        self.max_age = max_age_seconds
        self._routers: dict[str, tuple[float, Router]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def invalidate(self, congress_id: str) -> None:
        """Forget the congress's router (its units changed)."""
        self._routers.pop(congress_id, None)

    async def router(self, congress_id: str) -> Router:
        """The congress's router; Conflict `routing.no_units` when it has no active unit."""
        cached = self._routers.get(congress_id)
        if cached and time.monotonic() - cached[0] < self.max_age:
            return cached[1]
        async with self._locks.setdefault(congress_id, asyncio.Lock()):
            cached = self._routers.get(congress_id)
            if cached and time.monotonic() - cached[0] < self.max_age:
                return cached[1]
            units = await self.units.active(congress_id)
            if not units:
                raise Conflict("routing.no_units", "The congress has no active units to propose.")
            router = Router([u.profile() for u in units])
            known = {u.id for u in units}
            for doc in await self.cases.decisions(congress_id):
                decision = _decision(doc)
                if decision is not None and {decision.lead_unit_id, *decision.co_unit_ids} <= known:
                    router.record(decision)
            self._routers[congress_id] = (time.monotonic(), router)
            return router

    async def propose(self, case: Case, *, top: int = 3) -> RoutingResult:
        """Units to lead the case, best first, with reasons and co-units for the first."""
        router = await self.router(case.congress_id)
        return router.propose(case.title, case.body, case.field, top=top, case_id=case.id)

    def learn(self, case: Case) -> None:
        """Record what staff decided for an assigned case in the congress's router, if it is built."""
        cached = self._routers.get(case.congress_id)
        if cached is None or case.assignment is None:
            return
        router = cached[1]
        decision = PastDecision(
            case_id=case.id,
            title=case.title,
            body=case.body,
            lead_unit_id=case.assignment.lead.unit_id,
            co_unit_ids=tuple(u.unit_id for u in case.assignment.co_units),
            field=case.field,
        )
        try:
            router.record(decision)
        except ValueError:  # a unit the router does not know (added since): rebuild next time
            self.invalidate(case.congress_id)


def _decision(doc: dict[str, object]) -> PastDecision | None:
    assignment = doc.get("assignment")
    if not isinstance(assignment, dict):
        return None
    return PastDecision(
        case_id=str(doc["_id"]),
        title=str(doc.get("title", "")),
        body=str(doc.get("body", "")),
        lead_unit_id=assignment["lead"]["unit_id"],
        co_unit_ids=tuple(u["unit_id"] for u in assignment.get("co_units", [])),
        field=str(doc.get("field", "")),
    )
