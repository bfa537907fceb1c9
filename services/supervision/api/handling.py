"""What the units do on a case (办): sign for it, contact the deputy, send co-unit opinions, reply,
ask for more time, give the second reply of a B case."""

from __future__ import annotations

from fastapi import APIRouter

from services.supervision.api.deps import Cases, Now, Policies, UnitUser, act, unit_of
from services.supervision.api.schemas import CasePublic, ContactIn, ExtensionIn, OpinionIn, ReplyIn, SecondReplyIn
from services.supervision.domain import (
    CommitmentIn,
    ItemProgress,
    log_contact,
    reply,
    request_extension,
    second_reply,
    send_opinion,
    sign,
)
from shared.auth import Principal
from shared.errors import NotFound

router = APIRouter(tags=["handling"])


async def _on_case(who: Principal, cases: Cases, case_id: str) -> str:
    unit_id = unit_of(who)
    case = await cases.get(who.congress_id, case_id)
    if unit_id not in case.unit_ids():
        raise NotFound("case.not_found", "No such case.")  # a unit never learns of other units' cases
    return unit_id


@router.post("/cases/{case_id}/sign", summary="Sign for a case (签收)")
async def sign_case(case_id: str, who: UnitUser, cases: Cases, policies: Policies, now: Now) -> CasePublic:
    """The unit (lead or co) signs for the case; signing again is harmless."""
    unit_id = await _on_case(who, cases, case_id)
    return await act(
        who,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: sign(c, unit_id=unit_id, by=who.subject, now=at, policy=policy),
    )


@router.post("/cases/{case_id}/contacts", summary="Log a contact with the deputy")
async def add_contact(
    case_id: str, body: ContactIn, who: UnitUser, cases: Cases, policies: Policies, now: Now
) -> CasePublic:
    """The unit logs a contact with the deputy (三见面三沟通): stage, method, when, what the deputy said."""
    unit_id = await _on_case(who, cases, case_id)
    return await act(
        who,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: log_contact(
            c,
            unit_id=unit_id,
            stage=body.stage,
            method=body.method,
            held_at=body.held_at,
            deputy_said=body.deputy_said,
            summary=body.summary,
            by=who.subject,
            now=at,
            policy=policy,
        ),
    )


@router.post("/cases/{case_id}/co-opinion", summary="Send a co-unit's opinion to the lead unit")
async def co_opinion(
    case_id: str, body: OpinionIn, who: UnitUser, cases: Cases, policies: Policies, now: Now
) -> CasePublic:
    """A co-unit sends its opinion to the lead unit (by the co-units' deadline; a later one replaces it)."""
    unit_id = await _on_case(who, cases, case_id)
    return await act(
        who,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: send_opinion(c, unit_id=unit_id, text=body.text, by=who.subject, now=at, policy=policy),
    )


@router.post("/cases/{case_id}/reply", summary="Reply to the deputy")
async def reply_case(
    case_id: str, body: ReplyIn, who: UnitUser, cases: Cases, policies: Policies, now: Now
) -> CasePublic:
    """The lead unit replies: A, B (each commitment dated) or C (with reasons), signed off by its leader.
    Refused unless the unit logged a contact with the deputy in this round."""
    unit_id = await _on_case(who, cases, case_id)
    items = [CommitmentIn(text=c.text, due_on=c.due_on) for c in body.commitments]
    return await act(
        who,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: reply(
            c,
            unit_id=unit_id,
            category=body.category,
            text=body.text,
            signed_off_by=body.signed_off_by,
            public=body.public,
            public_text=body.public_text,
            reasons=body.reasons,
            commitments=items,
            by=who.subject,
            now=at,
            policy=policy,
        ),
    )


@router.post("/cases/{case_id}/extensions", summary="Ask for more time")
async def ask_extension(
    case_id: str, body: ExtensionIn, who: UnitUser, cases: Cases, policies: Policies, now: Now
) -> CasePublic:
    """The lead unit asks for a later deadline, with a reason; staff decide."""
    unit_id = await _on_case(who, cases, case_id)
    return await act(
        who,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: request_extension(
            c, unit_id=unit_id, reason=body.reason, due_on=body.due_on, by=who.subject, now=at, policy=policy
        ),
    )


@router.post("/cases/{case_id}/second-reply", summary="The second reply of a B case (二次答复)")
async def second_reply_case(
    case_id: str, body: SecondReplyIn, who: UnitUser, cases: Cases, policies: Policies, now: Now
) -> CasePublic:
    """The lead unit reports on its B commitments; items done are recorded (B → A when all are)."""
    unit_id = await _on_case(who, cases, case_id)
    progress = [ItemProgress(commitment_id=p.commitment_id, done=p.done, note=p.note) for p in body.progress]
    return await act(
        who,
        case_id,
        cases,
        policies,
        now,
        lambda c, _, at: second_reply(c, unit_id=unit_id, text=body.text, progress=progress, by=who.subject, now=at),
    )
