"""Intake rules: what a submission must look like, who signs it, how registration numbers it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.intake.domain import (
    BODY_MAX,
    BODY_MIN,
    CO_SIGNERS_MAX,
    TITLE_MAX,
    Origin,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    format_number,
    register,
    submit,
)
from shared.contracts.intake import DeputyRef, SuggestionRegistered, SuggestionSubmitted
from shared.errors import Conflict, Invalid

NOW = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=2)
FIELDS = ["城乡建设", "社会保障", "交通运输"]
LEAD = DeputyRef(id="d-1", name="屠永芳")
BODY = "我市老旧小区加装电梯推进缓慢，建议统一规划、简化审批并给予财政补贴，切实方便老年居民出行。"


def _submit(**overrides: Any) -> Suggestion:
    args: dict[str, Any] = {
        "congress_id": "city-15",
        "session": "15-2",
        "title": "关于加快老旧小区加装电梯的建议",
        "body": BODY,
        "field_": "城乡建设",
        "kind": SuggestionKind.SESSION,
        "origin": Origin.DEPUTY,
        "lead_deputy": LEAD,
        "co_signers": [],
        "confidential": False,
        "allowed_fields": FIELDS,
        "now": NOW,
    }
    args.update(overrides)
    return submit(**args)


# --- submit: validation ---------------------------------------------------------------


def test_submit_trims_title_and_body() -> None:
    s = _submit(title="  关于加快老旧小区加装电梯的建议\n", body=f"\n  {BODY}  \t")
    assert s.title == "关于加快老旧小区加装电梯的建议"
    assert s.body == BODY


@pytest.mark.parametrize("title", ["", "   ", "\n\t "], ids=["empty", "spaces", "whitespace"])
def test_submit_refuses_a_missing_title(title: str) -> None:
    with pytest.raises(Invalid) as info:
        _submit(title=title)
    assert info.value.code == "suggestion.title_missing"
    assert info.value.status_code == 422


def test_submit_accepts_a_title_of_exactly_the_maximum_length() -> None:
    assert len(_submit(title="题" * TITLE_MAX).title) == TITLE_MAX


def test_submit_refuses_a_title_one_character_too_long() -> None:
    with pytest.raises(Invalid) as info:
        _submit(title="题" * (TITLE_MAX + 1))
    assert info.value.code == "suggestion.title_too_long"


def test_submit_measures_the_title_after_trimming() -> None:
    s = _submit(title=f"  {'题' * TITLE_MAX}  ")
    assert len(s.title) == TITLE_MAX


def test_submit_refuses_a_body_one_character_too_short() -> None:
    with pytest.raises(Invalid) as info:
        _submit(body="字" * (BODY_MIN - 1))
    assert info.value.code == "suggestion.body_too_short"


def test_submit_refuses_a_body_padded_with_whitespace_to_look_long_enough() -> None:
    with pytest.raises(Invalid) as info:
        _submit(body="字" * (BODY_MIN - 1) + " " * 50)
    assert info.value.code == "suggestion.body_too_short"


def test_submit_accepts_bodies_at_both_limits() -> None:
    assert len(_submit(body="字" * BODY_MIN).body) == BODY_MIN
    assert len(_submit(body="字" * BODY_MAX).body) == BODY_MAX


def test_submit_refuses_a_body_one_character_too_long() -> None:
    with pytest.raises(Invalid) as info:
        _submit(body="字" * (BODY_MAX + 1))
    assert info.value.code == "suggestion.body_too_long"


def test_submit_refuses_a_field_the_congress_does_not_use_and_names_the_allowed_ones() -> None:
    with pytest.raises(Invalid) as info:
        _submit(field_="航空航天")
    assert info.value.code == "suggestion.field_unknown"
    assert info.value.details["allowed"] == FIELDS


def test_submit_refuses_more_co_signers_than_allowed() -> None:
    signers = [DeputyRef(id=f"d-{i}") for i in range(100, 100 + CO_SIGNERS_MAX + 1)]
    with pytest.raises(Invalid) as info:
        _submit(co_signers=signers)
    assert info.value.code == "suggestion.too_many_co_signers"


def test_submit_counts_co_signers_after_removing_duplicates() -> None:
    signers = [DeputyRef(id=f"d-{i}") for i in range(100, 100 + CO_SIGNERS_MAX)]
    s = _submit(co_signers=[*signers, *signers, LEAD])
    assert len(s.co_signers) == CO_SIGNERS_MAX


# --- submit: co-signers ---------------------------------------------------------------


def test_submit_deduplicates_co_signers_keeping_first_order_and_drops_the_lead() -> None:
    s = _submit(
        co_signers=[
            DeputyRef(id="d-3", name="王五"),
            DeputyRef(id="d-1", name="屠永芳"),
            DeputyRef(id="d-2", name="李四"),
            DeputyRef(id="d-3", name="王五（重复）"),
        ]
    )
    assert s.co_signers == (DeputyRef(id="d-3", name="王五"), DeputyRef(id="d-2", name="李四"))
    assert s.authors() == {"d-1", "d-2", "d-3"}


def test_submit_drops_the_lead_even_when_listed_under_another_name() -> None:
    s = _submit(co_signers=[DeputyRef(id="d-1", name="别名")])
    assert s.co_signers == ()


# --- submit: the suggestion and its event ---------------------------------------------


def test_submit_gives_a_submitted_unnumbered_suggestion_at_version_1() -> None:
    s = _submit(kind=SuggestionKind.RECESS, origin=Origin.LIAISON_STATION, confidential=True, field_="交通运输")
    assert s.status is SuggestionStatus.SUBMITTED
    assert s.number is None and s.sequence is None and s.registered_at is None and s.registered_by is None
    assert s.version == 1
    assert s.submitted_at == NOW
    assert (s.congress_id, s.session, s.field) == ("city-15", "15-2", "交通运输")
    assert (s.kind, s.origin, s.confidential) == (SuggestionKind.RECESS, Origin.LIAISON_STATION, True)
    assert s.lead_deputy == LEAD


def test_each_submission_gets_its_own_id() -> None:
    assert _submit().id != _submit().id


def test_submit_records_exactly_one_submitted_event_with_the_facts() -> None:
    s = _submit(
        title="  关于加快老旧小区加装电梯的建议 ",
        kind=SuggestionKind.RECESS,
        origin=Origin.MOTION,
        confidential=True,
        co_signers=[DeputyRef(id="d-2", name="李四"), LEAD, DeputyRef(id="d-2", name="李四")],
    )
    assert len(s.events) == 1
    (event,) = s.events
    assert isinstance(event, SuggestionSubmitted)
    assert event.event_type == "intake.suggestion.submitted.v1"
    assert event.suggestion_id == s.id
    assert event.congress_id == "city-15"
    assert event.session == "15-2"
    assert event.title == "关于加快老旧小区加装电梯的建议"
    assert event.field == "城乡建设"
    assert event.kind == "recess"
    assert event.origin == "motion"
    assert event.lead_deputy == LEAD
    assert event.co_signers == [DeputyRef(id="d-2", name="李四")]
    assert event.confidential is True
    assert event.submitted_at == NOW


# --- register ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session", "sequence", "number"),
    [("15-2", 1, "15-2-0001"), ("15-2", 42, "15-2-0042"), ("14-5", 9999, "14-5-9999"), ("15-2", 12345, "15-2-12345")],
)
def test_format_number_pads_the_sequence_to_four_digits(session: str, sequence: int, number: str) -> None:
    assert format_number(session, sequence) == number


def test_register_numbers_the_suggestion_and_bumps_its_version() -> None:
    submitted = _submit()
    registered = register(submitted, sequence=7, by="staff-9", now=LATER)
    assert registered.status is SuggestionStatus.REGISTERED
    assert registered.number == "15-2-0007"
    assert registered.number == format_number("15-2", 7)
    assert registered.sequence == 7
    assert registered.registered_at == LATER
    assert registered.registered_by == "staff-9"
    assert registered.version == submitted.version + 1
    # the rest of the suggestion is unchanged
    assert (registered.id, registered.title, registered.body, registered.co_signers) == (
        submitted.id,
        submitted.title,
        submitted.body,
        submitted.co_signers,
    )
    assert registered.submitted_at == NOW


def test_register_does_not_change_the_submitted_suggestion() -> None:
    submitted = _submit()
    register(submitted, sequence=1, by="staff-9", now=LATER)
    assert submitted.status is SuggestionStatus.SUBMITTED
    assert submitted.number is None
    assert submitted.version == 1


def test_register_records_exactly_one_registered_event_and_drops_the_submitted_one() -> None:
    submitted = _submit(co_signers=[DeputyRef(id="d-2", name="李四")])
    registered = register(submitted, sequence=3, by="staff-9", now=LATER)
    assert len(registered.events) == 1
    (event,) = registered.events
    assert isinstance(event, SuggestionRegistered)
    assert event.event_type == "intake.suggestion.registered.v1"
    assert event.suggestion_id == submitted.id
    assert event.number == "15-2-0003"
    assert event.sequence == 3
    assert event.registered_by == "staff-9"
    assert event.registered_at == LATER
    assert event.lead_deputy == LEAD
    assert event.co_signers == [DeputyRef(id="d-2", name="李四")]
    assert (event.congress_id, event.session, event.title) == ("city-15", "15-2", submitted.title)


def test_register_refuses_a_registered_suggestion_and_names_its_number() -> None:
    registered = register(_submit(), sequence=5, by="staff-9", now=LATER)
    with pytest.raises(Conflict) as info:
        register(registered, sequence=6, by="staff-9", now=LATER)
    assert info.value.code == "suggestion.already_registered"
    assert info.value.status_code == 409
    assert info.value.details["number"] == "15-2-0005"


@pytest.mark.parametrize("sequence", [0, -1])
def test_register_refuses_a_sequence_below_1(sequence: int) -> None:
    with pytest.raises(Invalid) as info:
        register(_submit(), sequence=sequence, by="staff-9", now=LATER)
    assert info.value.code == "suggestion.sequence_invalid"


def test_register_refuses_a_status_other_than_submitted() -> None:
    odd = replace(_submit(), status="returned")  # a status a later version may add
    with pytest.raises(Conflict) as info:
        register(odd, sequence=1, by="staff-9", now=LATER)
    assert info.value.code == "suggestion.not_submitted"
