"""What supervision's routes depend on, as `Annotated` aliases so a signature reads as a sentence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from services.supervision.api.schemas import CasePublic
from services.supervision.domain import Case
from services.supervision.policy import Policy
from services.supervision.settings import SupervisionSettings
from services.supervision.store import CaseStore, PolicyStore
from shared.auth import Principal, Role, require
from shared.errors import Forbidden, NotFound

Clock = Callable[[], datetime]


def _cases(request: Request) -> CaseStore:
    store: CaseStore = request.app.state.cases
    return store


def _policies(request: Request) -> PolicyStore:
    store: PolicyStore = request.app.state.policies
    return store


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _settings(request: Request) -> SupervisionSettings:
    settings: SupervisionSettings = request.app.state.settings
    return settings


Cases = Annotated[CaseStore, Depends(_cases)]
Policies = Annotated[PolicyStore, Depends(_policies)]
Now = Annotated[Clock, Depends(_clock)]
Settings = Annotated[SupervisionSettings, Depends(_settings)]
StaffUser = Annotated[Principal, Depends(require(Role.STAFF))]
StaffOrLeader = Annotated[Principal, Depends(require(Role.STAFF, Role.LEADER))]
UnitUser = Annotated[Principal, Depends(require(Role.UNIT_HANDLER))]
Reader = Annotated[Principal, Depends(require(Role.STAFF, Role.LEADER, Role.UNIT_HANDLER))]


def is_staff_side(who: Principal) -> bool:
    """Staff and leaders see every case of the congress; unit handlers only their unit's."""
    return who.has(Role.STAFF, Role.LEADER)


def unit_of(who: Principal) -> str:
    """The unit a handler acts for (named in the token)."""
    if not who.unit_id:
        raise Forbidden("unit.missing", "Your token names no unit.")
    return who.unit_id


def visible(who: Principal, case: Case) -> Case:
    """The case if the caller may see it: staff and leaders, or a unit on it (404 otherwise)."""
    if is_staff_side(who) or (who.unit_id and who.unit_id in case.unit_ids()):
        return case
    raise NotFound("case.not_found", "No such case.")


def own_unit(who: Principal, unit_id: str) -> None:
    """A handler reads only their own unit's lists."""
    if not is_staff_side(who) and who.unit_id != unit_id:
        raise Forbidden("unit.not_yours", "A unit reads only its own lists.")


async def act(
    who: Principal,
    case_id: str,
    cases: CaseStore,
    policies: PolicyStore,
    now: Clock,
    rule: Callable[[Case, Policy, datetime], Case],
) -> CasePublic:
    """Apply a rule of the domain to a case of the caller's congress, with the congress's rules and the
    time of the request, in one conditional write; the case as it is after."""
    policy = await policies.get(who.congress_id)
    at = now()
    case = await cases.change(who.congress_id, case_id, lambda c: rule(c, policy, at), policy=policy)
    return CasePublic.of(case)
