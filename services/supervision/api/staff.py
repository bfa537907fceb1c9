"""What staff do on a case (督): review replies (三对照), decide extensions, judge handling, urge, record the
chair meeting's decision, keep the B ledger."""

from __future__ import annotations

from fastapi import APIRouter

from services.supervision.api.deps import Cases, Now, Policies, StaffUser, act
from services.supervision.api.schemas import (
    CasePublic,
    ChairDecisionIn,
    CommitmentDoneIn,
    ExtensionDecisionIn,
    FlagIn,
    ReviewIn,
    RollOverIn,
    RollOverResult,
    UrgeIn,
)
from services.supervision.domain import (
    chair_decision,
    commitment_done,
    decide_extension,
    review,
    roll_over,
    set_flag,
    urge,
)
from shared.errors import Conflict
from shared.mongo import Doc

router = APIRouter(tags=["supervision"])


@router.post("/cases/{case_id}/review", summary="Check a reply before it reaches the deputy (三对照)")
async def review_reply(
    case_id: str, body: ReviewIn, staff: StaffUser, cases: Cases, policies: Policies, now: Now
) -> CasePublic:
    """Accept the reply (it reaches the deputy, who is asked to rate it) or send it back with reasons
    (format, off the question, measures not matching the problem); the unit replies again."""
    return await act(
        staff,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: review(
            c, accept=body.accept, reasons=body.reasons, note=body.note, by=staff.subject, now=at, policy=policy
        ),
    )


@router.post("/cases/{case_id}/extensions/{extension_id}/decision", summary="Decide an extension")
async def decide(
    case_id: str,
    extension_id: str,
    body: ExtensionDecisionIn,
    staff: StaffUser,
    cases: Cases,
    policies: Policies,
    now: Now,
) -> CasePublic:
    """Approve (the date asked, or another) or refuse with a note. Never beyond the cap from assignment
    (6 months by default) unless the chair meeting decided (`chair_decision`)."""
    return await act(
        staff,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: decide_extension(
            c,
            extension_id=extension_id,
            approve=body.approve,
            due_on=body.due_on,
            chair_decision=body.chair_decision,
            note=body.note,
            by=staff.subject,
            now=at,
            policy=policy,
        ),
    )


@router.post("/cases/{case_id}/flag", summary="Judge the handling weak or poor")
async def flag(case_id: str, body: FlagIn, staff: StaffUser, cases: Cases, policies: Policies, now: Now) -> CasePublic:
    """Weak handling turns the case yellow, poor handling red (三色督办); `none` clears the judgement."""
    return await act(
        staff,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: set_flag(c, level=body.level, note=body.note, now=at, policy=policy),
    )


@router.post("/cases/{case_id}/urgings", summary="Urge the units (催办)")
async def urge_units(
    case_id: str, body: UrgeIn, staff: StaffUser, cases: Cases, policies: Policies, now: Now
) -> CasePublic:
    """A reminder by hand, recorded and published for notify."""
    return await act(
        staff,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: urge(c, note=body.note, by=staff.subject, now=at, policy=policy),
    )


@router.post("/cases/{case_id}/chair-decision", summary="The chair meeting's decision")
async def chair(
    case_id: str, body: ChairDecisionIn, staff: StaffUser, cases: Cases, policies: Policies, now: Now
) -> CasePublic:
    """For a case re-handled the set number of times: close it, or one more round by `due_on`."""
    return await act(
        staff,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: chair_decision(
            c, close=body.close, due_on=body.due_on, note=body.note, by=staff.subject, now=at, policy=policy
        ),
    )


@router.post("/cases/{case_id}/commitments/{commitment_id}/done", summary="A B commitment is done")
async def done(
    case_id: str,
    commitment_id: str,
    body: CommitmentDoneIn,
    staff: StaffUser,
    cases: Cases,
    policies: Policies,
    now: Now,
) -> CasePublic:
    """Staff record a B item as done (the case counts as A once all are)."""
    return await act(
        staff,
        case_id,
        cases,
        policies,
        now,
        lambda c, policy, at: commitment_done(c, commitment_id=commitment_id, note=body.note, by=staff.subject, now=at),
    )


@router.post("/b-ledger/roll-over", summary="Roll open B items into next year (滚动办理)")
async def roll(body: RollOverIn, staff: StaffUser, cases: Cases, policies: Policies, now: Now) -> RollOverResult:
    """Every open B item of `from_year` moves to the next year's ledger; running it again moves nothing more."""
    policy = await policies.get(staff.congress_id)
    at = now()
    query: Doc = {
        "congress_id": staff.congress_id,
        "commitments": {"$elemMatch": {"state": "open", "year": body.from_year}},
    }
    items, _ = await cases.page(query, skip=0, limit=100_000)
    moved = sum(1 for c in items for i in c.open_commitments() if i.year == body.from_year)
    results = await cases.change_many(
        items,
        lambda c: roll_over(c, from_year=body.from_year, by=staff.subject, now=at),
        policy_of=lambda _: policy,
        span="supervision roll-over",
    )
    failed = [c for c, outcome in results if isinstance(outcome, Exception)]
    if failed:
        raise Conflict(
            "rollover.incomplete", "Some cases changed meanwhile; run the roll-over again.", failed=len(failed)
        )
    return RollOverResult(cases=len(items), items=moved)
