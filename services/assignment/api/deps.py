"""What assignment's routes depend on, as `Annotated` aliases so a signature reads as a sentence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from services.assignment.proposals import RouterCache
from services.assignment.settings import AssignmentSettings
from services.assignment.store import CaseStore, PolicyStore, UnitStore
from shared.auth import Principal, Role, require

Clock = Callable[[], datetime]


def _cases(request: Request) -> CaseStore:
    store: CaseStore = request.app.state.cases
    return store


def _units(request: Request) -> UnitStore:
    store: UnitStore = request.app.state.units
    return store


def _policies(request: Request) -> PolicyStore:
    store: PolicyStore = request.app.state.policies
    return store


def _routers(request: Request) -> RouterCache:
    cache: RouterCache = request.app.state.routers
    return cache


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


Cases = Annotated[CaseStore, Depends(_cases)]
Units = Annotated[UnitStore, Depends(_units)]
Policies = Annotated[PolicyStore, Depends(_policies)]
Routers = Annotated[RouterCache, Depends(_routers)]
Now = Annotated[Clock, Depends(_clock)]
StaffUser = Annotated[Principal, Depends(require(Role.STAFF))]
StaffOrLeader = Annotated[Principal, Depends(require(Role.STAFF, Role.LEADER))]
UnitUser = Annotated[Principal, Depends(require(Role.UNIT_HANDLER))]
Reader = Annotated[Principal, Depends(require(Role.STAFF, Role.LEADER, Role.UNIT_HANDLER))]


async def acting_unit(who: Principal, units: UnitStore) -> str:
    """The unit a handler acts for: named in their token, registered, and listing them as a contact."""
    from shared.errors import Forbidden, NotFound

    if not who.unit_id:
        raise Forbidden("unit.missing", "Your token names no unit.")
    try:
        unit = await units.get(who.congress_id, who.unit_id)
    except NotFound:
        raise Forbidden("unit.not_contact", "You are not a contact of this unit.") from None
    if not unit.is_contact(who.subject):
        raise Forbidden("unit.not_contact", "You are not a contact of this unit.")
    return unit.id


def is_staff_side(who: Principal) -> bool:
    """Staff and leaders see every case of the congress; unit handlers only their unit's."""
    return who.has(Role.STAFF, Role.LEADER)


def _settings(request: Request) -> AssignmentSettings:
    settings: AssignmentSettings = request.app.state.settings
    return settings


Settings = Annotated[AssignmentSettings, Depends(_settings)]


async def may_read_unit(who: Principal, unit_id: str, units: UnitStore) -> None:
    """Staff and leaders read any unit's lists; a handler only their own unit's."""
    from shared.errors import Forbidden

    if is_staff_side(who):
        await units.get(who.congress_id, unit_id)
        return
    if await acting_unit(who, units) != unit_id:
        raise Forbidden("unit.not_yours", "A unit reads only its own lists.")
