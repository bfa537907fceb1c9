"""A congress's assignment rules: windows, deadlines, rounds, calendar overrides."""

from __future__ import annotations

from fastapi import APIRouter

from services.assignment.api.deps import Policies, StaffOrLeader, StaffUser
from services.assignment.api.schemas import PolicyIn, PolicyPublic
from services.assignment.policy import Policy

router = APIRouter(tags=["settings"])


@router.get("/settings", summary="The congress's assignment rules")
async def read_rules(who: StaffOrLeader, policies: Policies) -> PolicyPublic:
    """The rules in force (the defaults until staff set their own)."""
    updated_at, updated_by = await policies.updated(who.congress_id)
    return PolicyPublic.of(who.congress_id, await policies.get(who.congress_id), updated_at, updated_by)


@router.put("/settings", summary="Set the congress's assignment rules")
async def put_rules(body: PolicyIn, staff: StaffUser, policies: Policies) -> PolicyPublic:
    """Replace the rules. They apply to what happens from now on: open windows and fixed deadlines stay."""
    policy = Policy(
        objection_window_working_days=body.objection_window_working_days,
        reply_months=body.reply_months,
        complex_reply_months=body.complex_reply_months,
        co_opinion_months_earlier=body.co_opinion_months_earlier,
        max_negotiation_rounds=body.max_negotiation_rounds,
        deadline_to_working_day=body.deadline_to_working_day,
        reassignment_deadline=body.reassignment_deadline,
        extra_holidays=tuple(sorted(set(body.extra_holidays))),
        extra_workdays=tuple(sorted(set(body.extra_workdays))),
    )
    await policies.put(staff.congress_id, policy, by=staff.subject)
    updated_at, updated_by = await policies.updated(staff.congress_id)
    return PolicyPublic.of(staff.congress_id, policy, updated_at, updated_by)
