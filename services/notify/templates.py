"""The words of e-mails and text messages: Jinja2 templates per event type and channel, editable per congress.

Every notification first gets its Chinese subject and text from the rules (`rules.py`, `domain.py`:
what the inbox shows). The e-mail and SMS templates wrap them for their channel — a salutation, the
link, the sender, an SMS signature — and may be replaced per congress and event type. Templates run in
Jinja2's sandbox with strict undefined variables, and a template is checked by rendering it with a
sample before it is stored, so a typo is refused (`template.invalid`) rather than failing a delivery.

Variables: `subject`, `body`, `link` (the notification's), `name` (the recipient's), `case_id`,
`event_type`, `congress_id`, and `event` (the event's data: e.g. `event.number`, `event.title`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from shared.errors import Invalid

CHANNELS = ("email", "sms")
SUBJECT_MAX = 200
BODY_MAX = 10_000

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@dataclass(frozen=True)
class Template:
    """The subject (e-mail only) and body templates of one event type on one channel."""

    subject: str
    body: str


DEFAULTS: dict[str, Template] = {
    "email": Template(
        subject="{{ subject }}",
        body="{{ name }}您好：\n\n{{ body }}\n\n查看详情：{{ link }}\n\n人大代表建议办理系统",
    ),
    "sms": Template(subject="", body="{{ body }}"),
}

# A day's reminders gathered for one person (digest.py): `name`, `count`, `items` (each: subject, body, link,
# case_id; oldest first).
DIGEST: dict[str, Template] = {
    "email": Template(
        subject="催办汇总：今日{{ count }}件建议待办",
        body=(
            "{{ name }}您好：\n\n今日共有{{ count }}条催办通知：\n\n"
            "{% for i in items %}{{ loop.index }}. {{ i.body }}\n   查看详情：{{ i.link }}\n\n{% endfor %}"
            "人大代表建议办理系统"
        ),
    ),
    "sms": Template(
        subject="",
        body="今日催办{{ count }}件：{% for i in items %}{{ loop.index }}.{{ i.body }}{% endfor %}",
    ),
}

SAMPLE: dict[str, Any] = {
    "subject": "建议已交办",
    "body": "您领衔提出的《关于加强城区停车设施建设的建议》已交由市城市管理局办理，答复期限为2026年08月07日。",
    "link": "https://example.cn/cases/s-1",
    "name": "屠永芳",
    "case_id": "s-1",
    "event_type": "assignment.case.assigned.v1",
    "congress_id": "c1",
    "event": {"number": "15-2-0001", "title": "关于加强城区停车设施建设的建议"},
}


DIGEST_SAMPLE: dict[str, Any] = {
    "name": "王联络",
    "count": 2,
    "items": [
        {
            "subject": "催办通知",
            "body": "《关于加强城区停车设施建设的建议》（编号15-2-0001）答复期限为2026年08月07日，还有15天。",
            "link": "https://example.cn/cases/s-1",
            "case_id": "s-1",
        },
        {
            "subject": "催办通知",
            "body": "《关于老旧小区加装电梯的建议》（编号15-2-0002）答复期限为2026年08月07日，还有15天，请抓紧办理。",
            "link": "https://example.cn/cases/s-2",
            "case_id": "s-2",
        },
    ],
}


def check(template: Template, channel: str, sample: dict[str, Any] = SAMPLE) -> Template:
    """A template that compiles and renders the sample; Invalid `template.invalid` otherwise."""
    if channel not in CHANNELS:
        raise Invalid("template.channel_invalid", "Templates exist for e-mail and SMS.", channels=list(CHANNELS))
    if len(template.subject) > SUBJECT_MAX or len(template.body) > BODY_MAX:
        raise Invalid("template.too_long", f"At most {SUBJECT_MAX} characters of subject and {BODY_MAX} of body.")
    if not template.body.strip():
        raise Invalid("template.body_required", "A template needs a body.")
    for part, text in (("subject", template.subject), ("body", template.body)):
        try:
            _env.from_string(text).render(**sample)
        except TemplateError as exc:
            raise Invalid("template.invalid", f"The {part} template does not render: {exc}", part=part) from None
    return template


def render(template: Template, context: dict[str, Any]) -> tuple[str, str]:
    """The subject and body for one recipient."""
    subject = _env.from_string(template.subject).render(**context) if template.subject else ""
    return subject.strip(), _env.from_string(template.body).render(**context).strip()
