"""Intake rules a congress office relies on: drafts and co-signing (联名/附议), submission and
resubmission, return (退回), withdrawal (撤回), registration (登记), merging (并案) and passing up
to the parent congress (转报上级人大). Pure functions: no store, no broker."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.intake import domain
from services.intake.domain import (
    CO_SIGNERS_MAX,
    MERGE_MAX,
    CoSigner,
    CoSignStatus,
    Origin,
    PassUp,
    ReturnNote,
    ReturnReason,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    TransferRef,
    Version,
    absorbed,
    create_draft,
    edit,
    format_number,
    merge,
    pass_up,
    receive_transfer,
    register,
    respond_co_signing,
    return_to_deputy,
    submit,
    withdraw,
)
from services.intake.operations import transfer_id
from shared.contracts.intake import (
    DeputyRef,
    SuggestionCoSigningRequested,
    SuggestionPassedUp,
    SuggestionRegistered,
    SuggestionResubmitted,
    SuggestionReturned,
    SuggestionsMerged,
    SuggestionSubmitted,
    SuggestionWithdrawn,
    TransferReceived,
)
from shared.errors import Conflict, Forbidden, Invalid

NOW = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
FIELDS = ("城乡建设", "社会保障", "交通运输")
CONGRESS = "city-15"
SESSION = "15-2"
STAFF = "staff-1"

LEAD = DeputyRef(id="d-lead", name="屠永芳", delegation="城关代表团")
A = DeputyRef(id="d-a", name="李明", delegation="城关代表团")
B = DeputyRef(id="d-b", name="王芳", delegation="东区代表团")
C = DeputyRef(id="d-c", name="张强", delegation="西区代表团")
X = DeputyRef(id="d-x", name="赵敏", delegation="北区代表团")
Y = DeputyRef(id="d-y", name="钱伟", delegation="南区代表团")

TITLE = "关于加快老旧小区加装电梯的建议"
BODY = (
    "我市老旧小区加装电梯推进缓慢，居民上下楼困难。建议统一规划、简化审批流程，并给予财政补贴，切实方便老年居民出行。"
)
BODY_2 = "城区主干道早晚高峰拥堵严重，公交线路重复设置、站点覆盖不均，群众出行不便。建议优化公交线网，增设微循环线路。"


# --------------------------------------------------------------------------- helpers


def _draft(**overrides: Any) -> Suggestion:
    args: dict[str, Any] = {
        "congress_id": CONGRESS,
        "session": SESSION,
        "lead_deputy": LEAD,
        "title": TITLE,
        "body": BODY,
        "field": "城乡建设",
        "kind": SuggestionKind.SESSION,
        "origin": Origin.DEPUTY,
        "co_signers": [],
        "confidential": False,
        "now": NOW,
    }
    args.update(overrides)
    return create_draft(**args)


def _status(s: Suggestion, deputy_id: str) -> CoSignStatus:
    return next(c.status for c in s.co_signers if c.id == deputy_id)


def _confirm_all(s: Suggestion) -> Suggestion:
    for c in s.co_signers:
        if c.status is CoSignStatus.PENDING:
            s = respond_co_signing(s, deputy_id=c.id, confirm=True, now=NOW)
    return s


def _submitted(**overrides: Any) -> Suggestion:
    return submit(_confirm_all(_draft(**overrides)), by=LEAD.id, now=NOW, allowed_fields=FIELDS)


def _returned(**overrides: Any) -> Suggestion:
    return return_to_deputy(
        _submitted(**overrides), by=STAFF, reason=ReturnReason.TOO_BROAD, text="内容宽泛，请聚焦具体问题。", now=NOW
    )


def _registered(sequence: int = 1, **overrides: Any) -> Suggestion:
    return register(_submitted(**overrides), sequence=sequence, by=STAFF, now=NOW)


def _registered_from(s: Suggestion, sequence: int = 1) -> Suggestion:
    return register(s, sequence=sequence, by=STAFF, now=NOW)


def _withdrawn() -> Suggestion:
    return withdraw(_submitted(), by=LEAD.id, now=NOW)


def _ids(refs: Any) -> list[str]:
    return [r.id for r in refs]


def _only_event(s: Suggestion) -> Any:
    assert len(s.events) == 1, s.events
    return s.events[0]


# --------------------------------------------------------------------------- create_draft


def test_create_draft_trims_title_body_and_field() -> None:
    s = _draft(title=f"  {TITLE}\n", body=f"\n\t{BODY}  ", field=" 城乡建设 ")
    assert (s.title, s.body, s.field) == (TITLE, BODY, "城乡建设")


def test_create_draft_starts_as_a_draft_that_nobody_has_submitted() -> None:
    s = _draft(suggestion_id="s-given")
    assert s.id == "s-given"
    assert s.status is SuggestionStatus.DRAFT
    assert s.versions == ()
    assert s.submitted_at is None
    assert s.number is None
    assert s.created_at == NOW


def test_create_draft_drops_the_lead_and_duplicates_and_keeps_co_signers_in_order_pending() -> None:
    s = _draft(co_signers=[B, LEAD, A, DeputyRef(id=B.id, name="王芳（重复）"), A])
    assert _ids(s.co_signers) == [B.id, A.id]
    assert s.co_signers[0].name == B.name  # the first mention wins
    assert all(c.status is CoSignStatus.PENDING and c.responded_at is None for c in s.co_signers)


def test_create_draft_asks_the_co_signers_once_in_one_event() -> None:
    s = _draft(co_signers=[A, B, A])
    event = _only_event(s)
    assert isinstance(event, SuggestionCoSigningRequested)
    assert event.requested == [A, B]
    assert event.suggestion_id == s.id
    assert event.lead_deputy == LEAD
    assert event.congress_id == CONGRESS
    assert event.session == SESSION


@pytest.mark.parametrize("co_signers", [[], [LEAD]], ids=["none", "only-the-lead"])
def test_create_draft_without_co_signers_records_no_event(co_signers: list[DeputyRef]) -> None:
    s = _draft(co_signers=co_signers)
    assert s.co_signers == ()
    assert s.events == ()


def test_create_draft_refuses_more_co_signers_than_allowed() -> None:
    many = [DeputyRef(id=f"d-{i}") for i in range(CO_SIGNERS_MAX + 1)]
    with pytest.raises(Invalid) as info:
        _draft(co_signers=many)
    assert info.value.code == "suggestion.too_many_co_signers"


def test_create_draft_counts_co_signers_after_dropping_duplicates_and_the_lead() -> None:
    many = [DeputyRef(id=f"d-{i}") for i in range(CO_SIGNERS_MAX)]
    s = _draft(co_signers=[*many, *many, LEAD])
    assert len(s.co_signers) == CO_SIGNERS_MAX


# --------------------------------------------------------------------------- edit


def test_only_the_lead_may_edit() -> None:
    s = _draft(co_signers=[A])
    with pytest.raises(Forbidden) as info:
        edit(s, by=A.id, title="关于别的事情的建议")
    assert info.value.code == "suggestion.lead_only"


@pytest.mark.parametrize("make", [_submitted, _registered, _withdrawn], ids=["submitted", "registered", "withdrawn"])
def test_only_a_draft_or_a_returned_suggestion_can_be_edited(make: Any) -> None:
    with pytest.raises(Conflict) as info:
        edit(make(), by=LEAD.id, body=BODY_2)
    assert info.value.code == "suggestion.not_editable"


def test_a_returned_suggestion_can_be_edited() -> None:
    s = edit(_returned(), by=LEAD.id, body=BODY_2)
    assert s.body == BODY_2
    assert s.status is SuggestionStatus.RETURNED


def test_edit_trims_and_bumps_the_revision() -> None:
    s = _draft()
    edited = edit(s, by=LEAD.id, title=" 关于优化公交线网的建议 ", body=f" {BODY_2} ")
    assert (edited.title, edited.body) == ("关于优化公交线网的建议", BODY_2)
    assert edited.revision == s.revision + 1


@pytest.mark.parametrize(
    "change",
    [
        {"title": "关于优化公交线网的建议"},
        {"body": BODY_2},
        {"field": "交通运输"},
        {"kind": SuggestionKind.RECESS},
    ],
    ids=["title", "body", "field", "kind"],
)
def test_a_change_of_content_asks_confirmed_co_signers_again(change: dict[str, Any]) -> None:
    s = _draft(co_signers=[A, B, C])
    s = respond_co_signing(s, deputy_id=A.id, confirm=True, now=NOW)  # confirmed: asked again
    s = respond_co_signing(s, deputy_id=C.id, confirm=False, now=NOW)  # declined: left alone
    # B is still pending: already asked, not asked twice
    edited = edit(s, by=LEAD.id, **change)
    a = next(c for c in edited.co_signers if c.id == A.id)
    assert a.status is CoSignStatus.PENDING
    assert a.responded_at is None
    assert _status(edited, B.id) is CoSignStatus.PENDING
    assert _status(edited, C.id) is CoSignStatus.DECLINED
    event = _only_event(edited)
    assert isinstance(event, SuggestionCoSigningRequested)
    assert event.requested == [A]


def test_a_content_change_blocks_submission_until_co_signers_confirm_again() -> None:
    s = _confirm_all(_draft(co_signers=[A]))
    edited = edit(s, by=LEAD.id, body=BODY_2)
    with pytest.raises(Conflict) as info:
        submit(edited, by=LEAD.id, now=NOW, allowed_fields=FIELDS)
    assert info.value.code == "suggestion.co_signers_pending"


def test_whitespace_around_the_same_text_is_not_a_change() -> None:
    s = _confirm_all(_draft(co_signers=[A]))
    edited = edit(s, by=LEAD.id, title=f"  {TITLE} ", body=f"{BODY}\n", field=" 城乡建设")
    assert _status(edited, A.id) is CoSignStatus.CONFIRMED
    assert edited.events == ()


def test_changing_only_confidential_keeps_the_confirmations() -> None:
    s = _confirm_all(_draft(co_signers=[A, B]))
    edited = edit(s, by=LEAD.id, confidential=True)
    assert edited.confidential is True
    assert [c.status for c in edited.co_signers] == [CoSignStatus.CONFIRMED, CoSignStatus.CONFIRMED]
    assert edited.events == ()


def test_adding_a_co_signer_asks_only_the_new_one() -> None:
    s = _confirm_all(_draft(co_signers=[A]))
    edited = edit(s, by=LEAD.id, co_signers=[A, C])
    assert _ids(edited.co_signers) == [A.id, C.id]
    assert _status(edited, A.id) is CoSignStatus.CONFIRMED
    assert _status(edited, C.id) is CoSignStatus.PENDING
    event = _only_event(edited)
    assert isinstance(event, SuggestionCoSigningRequested)
    assert event.requested == [C]


def test_removing_a_co_signer_drops_them() -> None:
    s = _confirm_all(_draft(co_signers=[A, B]))
    edited = edit(s, by=LEAD.id, co_signers=[B])
    assert _ids(edited.co_signers) == [B.id]
    assert edited.events == ()
    assert not edited.can_read(A.id)
    assert A.id not in _ids(edited.authors())


def test_edit_drops_the_lead_from_co_signers_and_limits_their_number() -> None:
    s = _draft(co_signers=[A])
    assert _ids(edit(s, by=LEAD.id, co_signers=[LEAD, A]).co_signers) == [A.id]
    with pytest.raises(Invalid) as info:
        edit(s, by=LEAD.id, co_signers=[DeputyRef(id=f"d-{i}") for i in range(CO_SIGNERS_MAX + 1)])
    assert info.value.code == "suggestion.too_many_co_signers"


# --------------------------------------------------------------------------- respond_co_signing


def test_a_co_signer_confirms() -> None:
    s = _draft(co_signers=[A, B])
    answered = respond_co_signing(s, deputy_id=A.id, confirm=True, now=LATER)
    a = next(c for c in answered.co_signers if c.id == A.id)
    assert a.status is CoSignStatus.CONFIRMED
    assert a.responded_at == LATER
    assert _status(answered, B.id) is CoSignStatus.PENDING
    assert answered.revision == s.revision + 1
    assert answered.events == ()


def test_a_co_signer_declines() -> None:
    s = respond_co_signing(_draft(co_signers=[A]), deputy_id=A.id, confirm=False, now=NOW)
    assert _status(s, A.id) is CoSignStatus.DECLINED


@pytest.mark.parametrize("first, then", [(True, False), (False, True)])
def test_a_co_signer_may_change_their_mind_before_submission(first: bool, then: bool) -> None:
    s = respond_co_signing(_draft(co_signers=[A]), deputy_id=A.id, confirm=first, now=NOW)
    s = respond_co_signing(s, deputy_id=A.id, confirm=then, now=LATER)
    assert _status(s, A.id) is (CoSignStatus.CONFIRMED if then else CoSignStatus.DECLINED)


@pytest.mark.parametrize("who", [C.id, LEAD.id], ids=["stranger", "lead"])
def test_only_a_deputy_who_was_asked_may_answer(who: str) -> None:
    with pytest.raises(Forbidden) as info:
        respond_co_signing(_draft(co_signers=[A]), deputy_id=who, confirm=True, now=NOW)
    assert info.value.code == "co_signing.not_asked"


@pytest.mark.parametrize("make", [_submitted, _registered], ids=["submitted", "registered"])
def test_co_signing_closes_on_submission(make: Any) -> None:
    s = make(co_signers=[A])
    with pytest.raises(Conflict) as info:
        respond_co_signing(s, deputy_id=A.id, confirm=False, now=LATER)
    assert info.value.code == "co_signing.closed"


def test_a_declined_co_signer_is_no_signer_and_no_author() -> None:
    s = _draft(co_signers=[A, B])
    s = respond_co_signing(s, deputy_id=A.id, confirm=True, now=NOW)
    s = respond_co_signing(s, deputy_id=B.id, confirm=False, now=NOW)
    assert _ids(s.signers()) == [A.id]
    assert _ids(s.authors()) == [LEAD.id, A.id]
    submitted = submit(s, by=LEAD.id, now=NOW, allowed_fields=FIELDS)
    assert _ids(_only_event(submitted).co_signers) == [A.id]
    assert submitted.versions[0].co_signers == (A.id,)
    assert _ids(submitted.authors()) == [LEAD.id, A.id]
    assert B.id not in _ids(_only_event(_registered_from(submitted)).co_signers)


def test_a_declined_co_signer_still_reads_the_draft_to_change_their_mind() -> None:
    # can_read admits everyone who was asked (a decliner may change their mind), not strangers.
    s = respond_co_signing(_draft(co_signers=[A]), deputy_id=A.id, confirm=False, now=NOW)
    assert s.can_read(A.id)
    assert s.can_read(LEAD.id)
    assert not s.can_read(C.id)
    assert _status(respond_co_signing(s, deputy_id=A.id, confirm=True, now=LATER), A.id) is CoSignStatus.CONFIRMED


def test_a_co_signer_removed_by_the_lead_cannot_read() -> None:
    s = edit(_draft(co_signers=[A, B]), by=LEAD.id, co_signers=[B])
    assert not s.can_read(A.id)


def test_a_pending_co_signer_reads_the_draft_but_is_not_an_author_yet() -> None:
    s = _draft(co_signers=[A])
    assert s.can_read(A.id)
    assert not s.can_read(C.id)
    assert _ids(s.authors()) == [LEAD.id]


# --------------------------------------------------------------------------- submit


def test_submit_refuses_a_suggestion_that_fails_the_checks_and_lists_the_findings() -> None:
    s = _draft(body="字数太少的正文。", field="航空航天")
    with pytest.raises(Invalid) as info:
        submit(s, by=LEAD.id, now=NOW, allowed_fields=FIELDS)
    assert info.value.code == "suggestion.checks_failed"
    found = info.value.details["findings"]
    assert {f["code"] for f in found} == {"check.body_too_short", "check.field_unknown"}
    assert all(f["severity"] == "error" for f in found)


def test_submit_is_not_blocked_by_warnings() -> None:
    s = submit(_draft(title="老旧小区加装电梯"), by=LEAD.id, now=NOW, allowed_fields=FIELDS)
    assert s.status is SuggestionStatus.SUBMITTED


def test_submit_checks_the_field_against_the_congress_fields() -> None:
    with pytest.raises(Invalid) as info:
        submit(_draft(field="城乡建设"), by=LEAD.id, now=NOW, allowed_fields=("社会保障",))
    assert [f["code"] for f in info.value.details["findings"]] == ["check.field_unknown"]


def test_submit_waits_for_every_co_signer_and_names_the_pending_ones() -> None:
    s = _draft(co_signers=[A, B, C])
    s = respond_co_signing(s, deputy_id=B.id, confirm=True, now=NOW)
    with pytest.raises(Conflict) as info:
        submit(s, by=LEAD.id, now=NOW, allowed_fields=FIELDS)
    assert info.value.code == "suggestion.co_signers_pending"
    assert info.value.details["pending"] == [A.id, C.id]


def test_only_the_lead_may_submit() -> None:
    s = _confirm_all(_draft(co_signers=[A]))
    with pytest.raises(Forbidden) as info:
        submit(s, by=A.id, now=NOW, allowed_fields=FIELDS)
    assert info.value.code == "suggestion.lead_only"


def test_submit_keeps_version_1_and_records_submitted() -> None:
    s = _confirm_all(_draft(co_signers=[A], kind=SuggestionKind.RECESS))
    submitted = submit(s, by=LEAD.id, now=LATER, allowed_fields=FIELDS)
    assert submitted.status is SuggestionStatus.SUBMITTED
    assert submitted.versions == (
        Version(
            number=1,
            title=TITLE,
            body=BODY,
            field="城乡建设",
            kind="recess",
            co_signers=(A.id,),
            submitted_at=LATER,
        ),
    )
    assert submitted.submitted_at == LATER
    event = _only_event(submitted)
    assert type(event) is SuggestionSubmitted
    assert event.submitted_at == LATER
    assert event.version == 1
    assert event.co_signers == [A]
    assert event.kind == "recess"
    assert event.number is None


@pytest.mark.parametrize("make", [_submitted, _registered, _withdrawn], ids=["submitted", "registered", "withdrawn"])
def test_submit_twice_is_refused(make: Any) -> None:
    with pytest.raises(Conflict) as info:
        submit(make(), by=LEAD.id, now=LATER, allowed_fields=FIELDS)
    assert info.value.code == "suggestion.not_submittable"


def test_resubmission_adds_version_2_records_resubmitted_and_keeps_version_1() -> None:
    returned = _returned(co_signers=[A])
    first = returned.versions[0]
    revised = _confirm_all(edit(returned, by=LEAD.id, body=BODY_2))
    resubmitted = submit(revised, by=LEAD.id, now=LATER, allowed_fields=FIELDS)
    assert resubmitted.status is SuggestionStatus.SUBMITTED
    assert [v.number for v in resubmitted.versions] == [1, 2]
    assert resubmitted.versions[0] == first
    assert resubmitted.versions[0].body == BODY
    assert resubmitted.versions[1].body == BODY_2
    assert resubmitted.versions[1].submitted_at == LATER
    assert resubmitted.submitted_at == NOW  # the first submission
    event = _only_event(resubmitted)
    assert type(event) is SuggestionResubmitted
    assert not isinstance(event, SuggestionSubmitted)
    assert event.version == 2
    assert event.submitted_at == LATER


# --------------------------------------------------------------------------- return_to_deputy


@pytest.mark.parametrize(
    "make", [_draft, _returned, _registered, _withdrawn], ids=["draft", "returned", "registered", "withdrawn"]
)
def test_only_a_submitted_suggestion_can_be_returned(make: Any) -> None:
    with pytest.raises(Conflict) as info:
        return_to_deputy(make(), by=STAFF, reason=ReturnReason.FORMAT, text="格式不规范。", now=NOW)
    assert info.value.code == "suggestion.not_returnable"


@pytest.mark.parametrize("text", ["", "   \n\t"], ids=["empty", "whitespace"])
def test_a_return_needs_a_reason_text(text: str) -> None:
    with pytest.raises(Invalid) as info:
        return_to_deputy(_submitted(), by=STAFF, reason=ReturnReason.FORMAT, text=text, now=NOW)
    assert info.value.code == "suggestion.return_text_missing"


def test_return_keeps_a_note_with_the_version_and_the_reason() -> None:
    returned = return_to_deputy(
        _submitted(), by=STAFF, reason=ReturnReason.DUPLICATE, text="  与第12号建议内容雷同。 ", now=LATER
    )
    assert returned.status is SuggestionStatus.RETURNED
    assert returned.returns == (
        ReturnNote(version=1, reason_code=ReturnReason.DUPLICATE, text="与第12号建议内容雷同。", by=STAFF, at=LATER),
    )
    event = _only_event(returned)
    assert isinstance(event, SuggestionReturned)
    assert event.reason_code == "duplicate"
    assert event.reason_text == "与第12号建议内容雷同。"
    assert event.returned_by == STAFF
    assert event.returned_at == LATER
    assert event.version == 1


def test_a_second_return_notes_version_2_and_keeps_the_first_note() -> None:
    returned = _returned()
    resubmitted = submit(edit(returned, by=LEAD.id, body=BODY_2), by=LEAD.id, now=LATER, allowed_fields=FIELDS)
    again = return_to_deputy(
        resubmitted, by=STAFF, reason=ReturnReason.OUT_OF_SCOPE, text="不属于建议范围。", now=LATER
    )
    assert [(n.version, n.reason_code) for n in again.returns] == [
        (1, ReturnReason.TOO_BROAD),
        (2, ReturnReason.OUT_OF_SCOPE),
    ]
    assert _only_event(again).version == 2


# --------------------------------------------------------------------------- withdraw


def test_withdrawing_a_draft_records_no_event_because_nobody_knew_of_it() -> None:
    s = withdraw(_draft(co_signers=[A]), by=LEAD.id, now=NOW)
    assert s.status is SuggestionStatus.WITHDRAWN
    assert s.events == ()


@pytest.mark.parametrize("make", [_submitted, _returned], ids=["submitted", "returned"])
def test_withdrawing_a_submitted_or_returned_suggestion_is_announced(make: Any) -> None:
    s = withdraw(make(), by=LEAD.id, now=LATER)
    assert s.status is SuggestionStatus.WITHDRAWN
    event = _only_event(s)
    assert isinstance(event, SuggestionWithdrawn)
    assert event.withdrawn_at == LATER


@pytest.mark.parametrize("make", [_registered, _withdrawn], ids=["registered", "withdrawn"])
def test_a_registered_or_withdrawn_suggestion_cannot_be_withdrawn(make: Any) -> None:
    with pytest.raises(Conflict) as info:
        withdraw(make(), by=LEAD.id, now=NOW)
    assert info.value.code == "suggestion.not_withdrawable"


@pytest.mark.parametrize("make", [_draft, _submitted], ids=["draft", "submitted"])
def test_only_the_lead_may_withdraw(make: Any) -> None:
    with pytest.raises(Forbidden) as info:
        withdraw(make(co_signers=[A]), by=A.id, now=NOW)
    assert info.value.code == "suggestion.lead_only"


# --------------------------------------------------------------------------- register


@pytest.mark.parametrize("sequence, number", [(1, "15-2-0001"), (37, "15-2-0037"), (1234, "15-2-1234")])
def test_format_number(sequence: int, number: str) -> None:
    assert format_number("15-2", sequence) == number


def test_register_numbers_the_suggestion_and_records_it() -> None:
    s = register(_submitted(), sequence=1, by=STAFF, now=LATER)
    assert s.status is SuggestionStatus.REGISTERED
    assert (s.number, s.sequence, s.registered_at, s.registered_by) == ("15-2-0001", 1, LATER, STAFF)
    event = _only_event(s)
    assert isinstance(event, SuggestionRegistered)
    assert (event.number, event.sequence) == ("15-2-0001", 1)
    assert event.registered_by == STAFF
    assert event.registered_at == LATER


@pytest.mark.parametrize("make", [_draft, _returned, _withdrawn], ids=["draft", "returned", "withdrawn"])
def test_only_a_submitted_suggestion_can_be_registered(make: Any) -> None:
    with pytest.raises(Conflict) as info:
        register(make(), sequence=1, by=STAFF, now=NOW)
    assert info.value.code == "suggestion.not_registrable"


def test_registering_twice_is_refused_with_the_number() -> None:
    with pytest.raises(Conflict) as info:
        register(_registered(sequence=7), sequence=8, by=STAFF, now=NOW)
    assert info.value.code == "suggestion.already_registered"
    assert info.value.details["number"] == "15-2-0007"


@pytest.mark.parametrize("sequence", [0, -1])
def test_sequences_start_at_1(sequence: int) -> None:
    with pytest.raises(Invalid) as info:
        register(_submitted(), sequence=sequence, by=STAFF, now=NOW)
    assert info.value.code == "suggestion.sequence_invalid"


# --------------------------------------------------------------------------- merge


def _with_co_signers(
    lead: DeputyRef, confirmed: list[DeputyRef], declined: list[DeputyRef], sequence: int
) -> Suggestion:
    s = _draft(lead_deputy=lead, co_signers=[*confirmed, *declined], suggestion_id=f"s-{sequence}")
    for d in confirmed:
        s = respond_co_signing(s, deputy_id=d.id, confirm=True, now=NOW)
    for d in declined:
        s = respond_co_signing(s, deputy_id=d.id, confirm=False, now=NOW)
    return register(submit(s, by=lead.id, now=NOW, allowed_fields=FIELDS), sequence=sequence, by=STAFF, now=NOW)


def test_merge_keeps_every_author_once_and_records_the_merged_ones() -> None:
    primary = _with_co_signers(LEAD, [A], [B], 1)
    first = _with_co_signers(X, [C, A], [], 2)
    second = _with_co_signers(Y, [LEAD], [], 3)
    merged = merge(primary, [first, second], by=STAFF, now=LATER)
    assert merged.status is SuggestionStatus.REGISTERED
    assert merged.merged == ("s-2", "s-3")
    assert _ids(merged.authors()) == [LEAD.id, A.id, X.id, C.id, Y.id]
    assert B.id not in _ids(merged.merged_authors)  # declined on the primary: not an author
    assert len(merged.merged_authors) == len(set(_ids(merged.merged_authors)))
    event = _only_event(merged)
    assert isinstance(event, SuggestionsMerged)
    assert event.merged == ["s-2", "s-3"]
    assert event.merged_numbers == ["15-2-0002", "15-2-0003"]
    assert _ids(event.authors) == [LEAD.id, A.id, X.id, C.id, Y.id]
    assert event.merged_by == STAFF
    assert event.merged_at == LATER


def test_authors_of_merged_suggestions_can_read_the_case() -> None:
    merged = merge(_with_co_signers(LEAD, [], [], 1), [_with_co_signers(X, [C], [], 2)], by=STAFF, now=NOW)
    assert merged.can_read(X.id)
    assert merged.can_read(C.id)


def test_a_later_merge_keeps_the_authors_of_the_earlier_one() -> None:
    primary = _with_co_signers(LEAD, [A], [], 1)
    once = merge(primary, [_with_co_signers(X, [C], [], 2)], by=STAFF, now=NOW)
    twice = merge(once, [_with_co_signers(Y, [X], [], 3)], by=STAFF, now=LATER)
    assert twice.merged == ("s-2", "s-3")
    assert _ids(twice.authors()) == [LEAD.id, A.id, X.id, C.id, Y.id]
    assert _ids(twice.merged_authors) == [X.id, C.id, Y.id]
    assert _ids(_only_event(twice).authors) == [LEAD.id, A.id, X.id, C.id, Y.id]
    assert _only_event(twice).merged == ["s-3"]


def test_a_merged_suggestion_can_absorb_the_primary_of_an_earlier_merge_without_losing_its_authors() -> None:
    inner = merge(_with_co_signers(X, [], [], 2), [_with_co_signers(Y, [C], [], 3)], by=STAFF, now=NOW)
    outer = merge(_with_co_signers(LEAD, [], [], 1), [inner], by=STAFF, now=NOW)
    assert _ids(outer.authors()) == [LEAD.id, X.id, Y.id, C.id]


@pytest.mark.parametrize("which", ["primary", "other"])
def test_only_registered_suggestions_can_be_merged(which: str) -> None:
    registered = _with_co_signers(LEAD, [], [], 1)
    submitted = replace(_submitted(), id="s-submitted")
    primary, other = (submitted, registered) if which == "primary" else (registered, submitted)
    with pytest.raises(Conflict) as info:
        merge(primary, [other], by=STAFF, now=NOW)
    assert info.value.code == "merge.not_registered"
    assert info.value.details["suggestion_id"] == "s-submitted"


def test_a_suggestion_cannot_be_merged_into_itself() -> None:
    s = _with_co_signers(LEAD, [], [], 1)
    with pytest.raises(Invalid) as info:
        merge(s, [_with_co_signers(X, [], [], 2), s], by=STAFF, now=NOW)
    assert info.value.code == "merge.into_itself"


@pytest.mark.parametrize("change", [{"session": "15-1"}, {"congress_id": "county-7"}], ids=["session", "congress"])
def test_only_suggestions_of_the_same_congress_and_session_can_be_merged(change: dict[str, str]) -> None:
    other = replace(_with_co_signers(X, [], [], 2), **change)
    with pytest.raises(Invalid) as info:
        merge(_with_co_signers(LEAD, [], [], 1), [other], by=STAFF, now=NOW)
    assert info.value.code == "merge.other_session"


def test_merge_takes_at_most_the_maximum_at_once() -> None:
    template = _with_co_signers(X, [], [], 2)
    primary = _with_co_signers(LEAD, [], [], 1)
    others = [replace(template, id=f"s-o{i}", number=format_number(SESSION, i + 2)) for i in range(MERGE_MAX + 1)]
    assert len(merge(primary, others[:MERGE_MAX], by=STAFF, now=NOW).merged) == MERGE_MAX
    with pytest.raises(Invalid) as info:
        merge(primary, others, by=STAFF, now=NOW)
    assert info.value.code == "merge.too_many"


def test_merge_needs_something_to_merge() -> None:
    with pytest.raises(Invalid) as info:
        merge(_with_co_signers(LEAD, [], [], 1), [], by=STAFF, now=NOW)
    assert info.value.code == "merge.nothing_to_merge"


def test_absorbed_marks_the_merged_suggestion() -> None:
    other = _with_co_signers(X, [], [], 2)
    marked = absorbed(other, into="s-1")
    assert marked.status is SuggestionStatus.MERGED
    assert marked.merged_into == "s-1"
    assert marked.revision == other.revision + 1
    assert marked.events == ()


def test_absorbed_is_idempotent_for_the_same_primary() -> None:
    marked = absorbed(_with_co_signers(X, [], [], 2), into="s-1")
    again = absorbed(marked, into="s-1")
    assert again == marked
    assert again.events == ()


def test_absorbed_refuses_a_suggestion_merged_into_another_primary() -> None:
    marked = absorbed(_with_co_signers(X, [], [], 2), into="s-1")
    with pytest.raises(Conflict) as info:
        absorbed(marked, into="s-other")
    assert info.value.code == "merge.not_registered"


def test_absorbed_refuses_a_suggestion_that_is_not_registered() -> None:
    with pytest.raises(Conflict) as info:
        absorbed(_submitted(), into="s-1")
    assert info.value.code == "merge.not_registered"


# --------------------------------------------------------------------------- pass_up and receive_transfer

PARENT = "province-14"
PARENT_SESSION = "14-3"


def _passed_up() -> Suggestion:
    return pass_up(
        _with_co_signers(LEAD, [A], [B], 5), to_congress_id=PARENT, by=STAFF, note=" 请省人大办理。 ", now=NOW
    )


def test_pass_up_needs_a_parent_congress() -> None:
    with pytest.raises(Conflict) as info:
        pass_up(_registered(), to_congress_id=None, by=STAFF, note="", now=NOW)
    assert info.value.code == "pass_up.no_parent"


@pytest.mark.parametrize("make", [_draft, _submitted, _returned, _withdrawn])
def test_only_a_registered_suggestion_can_be_passed_up(make: Any) -> None:
    with pytest.raises(Conflict) as info:
        pass_up(make(), to_congress_id=PARENT, by=STAFF, note="", now=NOW)
    assert info.value.code == "pass_up.not_registered"


def test_a_suggestion_is_passed_up_only_once() -> None:
    with pytest.raises(Conflict) as info:
        pass_up(_passed_up(), to_congress_id=PARENT, by=STAFF, note="", now=NOW)
    assert info.value.code == "pass_up.not_registered"


def test_pass_up_records_where_it_went_and_carries_the_body() -> None:
    s = _passed_up()
    assert s.status is SuggestionStatus.PASSED_UP
    assert s.passed_up == PassUp(to_congress_id=PARENT, note="请省人大办理。", by=STAFF, at=NOW)
    event = _only_event(s)
    assert isinstance(event, SuggestionPassedUp)
    assert event.to_congress_id == PARENT
    assert event.congress_id == CONGRESS
    assert event.body == BODY
    assert event.number == "15-2-0005"
    assert event.note == "请省人大办理。"
    assert event.co_signers == [A]
    assert event.passed_up_by == STAFF


def test_the_parent_congress_receives_its_own_submitted_case() -> None:
    original = _passed_up()
    event = _only_event(original)
    received = receive_transfer(event, session=PARENT_SESSION, now=LATER, new_id="s-parent")
    assert received.id == "s-parent"
    assert (received.congress_id, received.session) == (PARENT, PARENT_SESSION)
    assert received.status is SuggestionStatus.SUBMITTED
    assert received.origin is Origin.LOWER_CONGRESS
    assert (received.title, received.body, received.field, received.kind) == (
        TITLE,
        BODY,
        "城乡建设",
        SuggestionKind.SESSION,
    )
    assert received.lead_deputy == LEAD
    assert received.co_signers == (
        CoSigner(id=A.id, name=A.name, delegation=A.delegation, status=CoSignStatus.CONFIRMED),
    )
    assert [(v.number, v.body, v.co_signers, v.submitted_at) for v in received.versions] == [(1, BODY, (A.id,), LATER)]
    assert received.transfer_from == TransferRef(congress_id=CONGRESS, suggestion_id="s-5", number="15-2-0005")
    assert received.number is None
    notice = _only_event(received)
    assert isinstance(notice, TransferReceived)
    assert notice.suggestion_id == "s-parent"
    assert notice.congress_id == PARENT
    assert notice.origin == "lower_congress"
    assert notice.number is None
    assert (notice.original_congress_id, notice.original_suggestion_id, notice.original_number) == (
        CONGRESS,
        "s-5",
        "15-2-0005",
    )
    assert notice.received_at == LATER


def test_a_received_case_cannot_be_returned_to_a_deputy_of_the_lower_congress() -> None:
    received = receive_transfer(_only_event(_passed_up()), session=PARENT_SESSION, now=LATER, new_id="s-parent")
    with pytest.raises(Conflict) as info:
        return_to_deputy(received, by="staff-p", reason=ReturnReason.FORMAT, text="格式不规范。", now=LATER)
    assert info.value.code == "suggestion.transferred_not_returnable"


def test_a_received_case_is_registered_under_the_parent_session() -> None:
    received = receive_transfer(_only_event(_passed_up()), session=PARENT_SESSION, now=LATER, new_id="s-parent")
    assert register(received, sequence=3, by="staff-p", now=LATER).number == "14-3-0003"


def test_transfer_id_is_deterministic_per_parent_and_original() -> None:
    assert transfer_id("s-5", PARENT) == transfer_id("s-5", PARENT)
    assert transfer_id("s-5", PARENT) != transfer_id("s-5", "province-99")
    assert transfer_id("s-5", PARENT) != transfer_id("s-6", PARENT)
    assert uuid.UUID(transfer_id("s-5", PARENT)).version == 5


def test_passing_up_a_merged_case_keeps_the_authors_of_the_merged_suggestions() -> None:
    merged = merge(_with_co_signers(LEAD, [A], [], 1), [_with_co_signers(X, [C], [], 2)], by=STAFF, now=NOW)
    passed = pass_up(merged, to_congress_id=PARENT, by=STAFF, note="", now=NOW)
    received = receive_transfer(_only_event(passed), session=PARENT_SESSION, now=LATER, new_id="s-parent")
    assert {X.id, C.id} <= set(_ids(received.authors()))


# --------------------------------------------------------------------------- facts


def test_every_event_carries_the_facts_of_the_suggestion() -> None:
    s = _registered(sequence=2, confidential=True, origin=Origin.LIAISON_STATION, opinion_id="op-1")
    assert domain.facts(s) == {
        "suggestion_id": s.id,
        "congress_id": CONGRESS,
        "session": SESSION,
        "title": TITLE,
        "field": "城乡建设",
        "kind": "session",
        "origin": "liaison_station",
        "lead_deputy": LEAD,
        "co_signers": [],
        "confidential": True,
        "number": "15-2-0002",
        "version": 1,
        "opinion_id": "op-1",
    }
    assert _only_event(s).confidential is True
    assert _only_event(s).opinion_id == "op-1"
