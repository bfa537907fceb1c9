"""The automatic checks a suggestion goes through on submission, with readable findings. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

TITLE_MAX = 200
BODY_MIN = 50
BODY_MAX = 20_000
TITLE_FORM = re.compile(r"^关于.+的(建议|意见)$")
# Words a proposal normally uses for its measures; a body with none of them is probably only a complaint.
MEASURE_WORDS = ("建议", "措施", "对策", "应当", "应该", "加快", "推进", "完善", "加强", "提高", "建立", "健全", "推动")


class Severity(StrEnum):
    """An error blocks submission; a warning is shown to the deputy and to staff."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One result of the checks: a stable code, how serious, the part it is about, and a readable message."""

    code: str
    severity: Severity
    part: str
    message: str


def check_content(
    *, title: str, body: str, field: str, kind: str | None, allowed_fields: tuple[str, ...]
) -> list[Finding]:
    """Required parts present, length bounds, title form, field of the congress's set."""
    findings: list[Finding] = []
    title, body = title.strip(), body.strip()
    if not title:
        findings.append(Finding("check.title_missing", Severity.ERROR, "title", "缺少标题。"))
    elif len(title) > TITLE_MAX:
        findings.append(Finding("check.title_too_long", Severity.ERROR, "title", f"标题超过{TITLE_MAX}字。"))
    elif not TITLE_FORM.match(title):
        findings.append(Finding("check.title_form", Severity.WARNING, "title", "标题一般采用“关于……的建议”的形式。"))
    if not body:
        findings.append(Finding("check.body_missing", Severity.ERROR, "body", "缺少正文。"))
    elif len(body) < BODY_MIN:
        findings.append(
            Finding("check.body_too_short", Severity.ERROR, "body", f"正文不足{BODY_MIN}字，请写明问题、分析和建议。")
        )
    elif len(body) > BODY_MAX:
        findings.append(Finding("check.body_too_long", Severity.ERROR, "body", f"正文超过{BODY_MAX}字。"))
    elif not any(word in body for word in MEASURE_WORDS):
        findings.append(
            Finding("check.body_no_measures", Severity.WARNING, "body", "正文未见具体建议或措施，内容可能过于宽泛。")
        )
    if not field:
        findings.append(Finding("check.field_missing", Severity.ERROR, "field", "请选择所属领域。"))
    elif field not in allowed_fields:
        findings.append(
            Finding("check.field_unknown", Severity.ERROR, "field", f"领域“{field}”不在本级人大设定的范围内。")
        )
    if not kind:
        findings.append(Finding("check.kind_missing", Severity.ERROR, "kind", "请选择大会期间或闭会期间。"))
    return findings


def blocking(findings: list[Finding]) -> list[Finding]:
    """The findings that stop a submission."""
    return [f for f in findings if f.severity is Severity.ERROR]
