"""E-mail and SMS templates (pure): defaults, checking before storing, rendering for one recipient."""

from __future__ import annotations

import pytest

from services.notify.templates import DEFAULTS, SAMPLE, Template, check, render
from shared.errors import Invalid


def test_the_default_email_greets_the_recipient_and_carries_the_link() -> None:
    subject, body = render(DEFAULTS["email"], SAMPLE)
    assert subject == "建议已交办"
    assert body.startswith("屠永芳您好：") and "查看详情：https://example.cn/cases/s-1" in body


def test_a_congress_template_may_use_the_events_data() -> None:
    t = check(Template(subject="", body="【某市人大】{{ event.number }}号建议：{{ body }}"), "sms")
    assert render(t, SAMPLE)[1].startswith("【某市人大】15-2-0001号建议：您领衔提出的")


@pytest.mark.parametrize(
    ("template", "code"),
    [
        (Template(subject="", body="{{ nmae }}"), "template.invalid"),  # a typo in a variable
        (Template(subject="{% if %}", body="x"), "template.invalid"),  # bad syntax
        (Template(subject="", body="  "), "template.body_required"),
        (Template(subject="", body="{{ ''.__class__.__mro__ }}"), "template.invalid"),  # the sandbox
    ],
)
def test_a_template_that_does_not_render_is_refused(template: Template, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        check(template, "email")
    assert refused.value.code == code
