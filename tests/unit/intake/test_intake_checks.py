"""The automatic checks on a suggestion's content: every finding code, its severity and part."""

from __future__ import annotations

from typing import Any

import pytest

from services.intake.checks import (
    BODY_MAX,
    BODY_MIN,
    TITLE_MAX,
    Finding,
    Severity,
    blocking,
    check_content,
)

FIELDS = ("城乡建设", "社会保障", "交通运输")
TITLE = "关于加快老旧小区加装电梯的建议"
BODY = (
    "我市老旧小区加装电梯推进缓慢，居民上下楼困难。建议统一规划、简化审批流程，并给予财政补贴，切实方便老年居民出行。"
)
# Long enough, but only a complaint: none of the words a proposal uses for its measures.
COMPLAINT = (
    "我们小区门口的道路坑坑洼洼已经好几年了，下雨天积水严重，"
    "老人孩子出门非常不方便，居民们对此意见很大，多次反映没有结果。"
)


def _check(**overrides: Any) -> list[Finding]:
    args: dict[str, Any] = {
        "title": TITLE,
        "body": BODY,
        "field": "城乡建设",
        "kind": "session",
        "allowed_fields": FIELDS,
    }
    args.update(overrides)
    return check_content(**args)


def _codes(findings: list[Finding]) -> list[tuple[str, Severity, str]]:
    return [(f.code, f.severity, f.part) for f in findings]


def test_a_good_suggestion_has_no_findings() -> None:
    assert _check() == []


def test_a_title_in_the_form_of_an_opinion_is_fine() -> None:
    assert _check(title="关于完善中小学课后服务的意见") == []


@pytest.mark.parametrize("title", ["", "  \n\t"], ids=["empty", "whitespace"])
def test_missing_title(title: str) -> None:
    assert _codes(_check(title=title)) == [("check.title_missing", Severity.ERROR, "title")]


def test_title_too_long() -> None:
    assert _codes(_check(title="关于" + "题" * (TITLE_MAX - 4) + "的建议")) == [
        ("check.title_too_long", Severity.ERROR, "title")
    ]


def test_title_at_the_maximum_length_is_fine() -> None:
    title = "关于" + "题" * (TITLE_MAX - 5) + "的建议"
    assert len(title) == TITLE_MAX
    assert _check(title=title) == []


def test_title_is_measured_after_trimming() -> None:
    title = "关于" + "题" * (TITLE_MAX - 5) + "的建议"
    assert _check(title=f"   {title}   ") == []


@pytest.mark.parametrize("title", ["老旧小区加装电梯", "关于老旧小区加装电梯", "加装电梯的建议"])
def test_title_not_in_the_usual_form_is_a_warning(title: str) -> None:
    assert _codes(_check(title=title)) == [("check.title_form", Severity.WARNING, "title")]


@pytest.mark.parametrize("body", ["", "   \n "], ids=["empty", "whitespace"])
def test_missing_body(body: str) -> None:
    assert _codes(_check(body=body)) == [("check.body_missing", Severity.ERROR, "body")]


def test_body_too_short() -> None:
    body = "建议" + "字" * (BODY_MIN - 3)
    assert len(body) == BODY_MIN - 1
    assert _codes(_check(body=body)) == [("check.body_too_short", Severity.ERROR, "body")]


def test_body_padded_with_whitespace_is_still_too_short() -> None:
    body = "  " + "建议" + "字" * (BODY_MIN - 3) + " " * 20
    assert _codes(_check(body=body)) == [("check.body_too_short", Severity.ERROR, "body")]


def test_body_at_both_limits_is_fine() -> None:
    assert _check(body="建议" + "字" * (BODY_MIN - 2)) == []
    assert _check(body="建议" + "字" * (BODY_MAX - 2)) == []


def test_body_too_long() -> None:
    assert _codes(_check(body="建议" + "字" * (BODY_MAX - 1))) == [("check.body_too_long", Severity.ERROR, "body")]


def test_body_without_measures_is_a_warning() -> None:
    assert len(COMPLAINT) >= BODY_MIN
    assert _codes(_check(body=COMPLAINT)) == [("check.body_no_measures", Severity.WARNING, "body")]


@pytest.mark.parametrize("word", ["措施", "对策", "应当", "加快", "完善", "健全", "推动"])
def test_any_measure_word_counts_as_a_proposal(word: str) -> None:
    assert _check(body=COMPLAINT + word) == []


def test_missing_field() -> None:
    assert _codes(_check(field="")) == [("check.field_missing", Severity.ERROR, "field")]


def test_field_the_congress_does_not_use() -> None:
    findings = _check(field="航空航天")
    assert _codes(findings) == [("check.field_unknown", Severity.ERROR, "field")]
    assert "航空航天" in findings[0].message


@pytest.mark.parametrize("kind", [None, ""], ids=["none", "empty"])
def test_missing_kind(kind: str | None) -> None:
    assert _codes(_check(kind=kind)) == [("check.kind_missing", Severity.ERROR, "kind")]


def test_every_part_is_checked_at_once() -> None:
    codes = [f.code for f in _check(title="", body="太短", field="", kind=None)]
    assert codes == ["check.title_missing", "check.body_too_short", "check.field_missing", "check.kind_missing"]


def test_every_finding_has_a_readable_message() -> None:
    findings = _check(title="", body="", field="", kind=None) + _check(title="随便", body=COMPLAINT)
    assert findings
    assert all(f.message for f in findings)


def test_blocking_keeps_only_the_errors() -> None:
    findings = _check(title="老旧小区加装电梯", body=COMPLAINT, field="航空航天")
    assert [f.code for f in findings] == ["check.title_form", "check.body_no_measures", "check.field_unknown"]
    assert [f.code for f in blocking(findings)] == ["check.field_unknown"]


def test_warnings_alone_do_not_block() -> None:
    findings = _check(title="老旧小区加装电梯", body=COMPLAINT)
    assert len(findings) == 2
    assert blocking(findings) == []


def test_blocking_of_nothing_is_nothing() -> None:
    assert blocking([]) == []
