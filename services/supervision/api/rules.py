"""A congress's supervision rules."""

from __future__ import annotations

from fastapi import APIRouter

from services.supervision.api.deps import Policies, StaffOrLeader, StaffUser
from services.supervision.api.schemas import PolicyIn, PolicyPublic
from services.supervision.policy import Policy

router = APIRouter(tags=["settings"])


@router.get("/settings", summary="The congress's supervision rules")
async def read_rules(who: StaffOrLeader, policies: Policies) -> PolicyPublic:
    """The rules in force (the defaults until staff set their own)."""
    updated_at, updated_by = await policies.updated(who.congress_id)
    return PolicyPublic.of(who.congress_id, await policies.get(who.congress_id), updated_at, updated_by)


@router.put("/settings", summary="Set the congress's supervision rules")
async def put_rules(body: PolicyIn, staff: StaffUser, policies: Policies) -> PolicyPublic:
    """Replace the rules. Deadlines fixed before stay; lights and reminders follow the new rules from now on."""
    policy = Policy(
        sign_within_working_days=body.sign_within_working_days,
        yellow_days=body.yellow_days,
        reminder_days_before=tuple(body.reminder_days_before),
        overdue_every_working_days=body.overdue_every_working_days,
        reminder_hour=body.reminder_hour,
        rehandling_months=body.rehandling_months,
        max_rehandling_rounds=body.max_rehandling_rounds,
        extension_cap_months=body.extension_cap_months,
        second_reply_months=body.second_reply_months,
        review_replies=body.review_replies,
        deadline_to_working_day=body.deadline_to_working_day,
        extra_holidays=tuple(sorted(set(body.extra_holidays))),
        extra_workdays=tuple(sorted(set(body.extra_workdays))),
    )
    await policies.put(staff.congress_id, policy, by=staff.subject)
    updated_at, updated_by = await policies.updated(staff.congress_id)
    return PolicyPublic.of(staff.congress_id, policy, updated_at, updated_by)
