"""Who is told what about assignment, supervision and evaluation, in which words. No I/O here.

Units are told through their unit inbox (`unit:<unit id>`), which every handler of the unit reads with
their own inbox: a unit learns of its work even before notify knows who its contacts are. Deputies are
told personally (their id is the recipient).
"""

from __future__ import annotations

from datetime import datetime

from services.notify.domain import INBOX, Notification, notification_id
from shared.contracts.assignment import CaseAssigned, CasePreAssigned, CaseReassigned, UnitRef
from shared.contracts.evaluation import RatingRequested
from shared.contracts.supervision import CaseReplied, CaseUrged, LightChanged, RehandlingStarted
from shared.workdays import SHANGHAI


def unit_recipient(unit_id: str) -> str:
    """The recipient id of a unit's shared inbox."""
    return f"unit:{unit_id}"


def _local(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y年%m月%d日")


def _note(
    *,
    event_id: str,
    event_type: str,
    congress_id: str,
    case_id: str,
    recipient: str,
    subject: str,
    body: str,
    portal_url: str,
    now: datetime,
) -> Notification:
    return Notification(
        id=notification_id(event_id, recipient, INBOX),
        congress_id=congress_id,
        recipient_id=recipient,
        channel=INBOX,
        event_id=event_id,
        event_type=event_type,
        case_id=case_id,
        subject=subject,
        body=body,
        link=f"{portal_url.rstrip('/')}/cases/{case_id}",
        created_at=now,
    )


def _role(unit: UnitRef) -> str:
    return "主办" if unit.role == "lead" else "协办"


def on_pre_assigned(event: CasePreAssigned, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """Each unit asked learns of the case and until when it may object."""
    return [
        _note(
            event_id=event_id,
            event_type=event.event_type,
            congress_id=event.congress_id,
            case_id=event.case_id,
            recipient=unit_recipient(u.unit_id),
            subject="预交办建议待确认",
            body=(
                f"《{event.title}》（编号{event.number}）拟由贵单位{_role(u)}，请于"
                f"{_local(u.window_closes_at.replace(microsecond=0))}零时前确认或提出异议；逾期视为同意。"
            ),
            portal_url=portal_url,
            now=now,
        )
        for u in event.units
    ]


def on_assigned(event: CaseAssigned, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """The units learn the case is theirs and by when; the lead deputy learns who handles it."""
    due = event.deadlines.reply_due_on.strftime("%Y年%m月%d日")
    co_due = event.deadlines.co_opinion_due_on.strftime("%Y年%m月%d日")
    common = {
        "event_id": event_id,
        "event_type": event.event_type,
        "congress_id": event.congress_id,
        "case_id": event.case_id,
        "portal_url": portal_url,
        "now": now,
    }
    notes = [
        _note(
            recipient=unit_recipient(event.lead_unit.unit_id),
            subject="建议正式交办",
            body=f"《{event.title}》（编号{event.number}）已正式交由贵单位主办，请于{due}前答复代表。",
            **common,  # type: ignore[arg-type]
        )
    ]
    notes += [
        _note(
            recipient=unit_recipient(u.unit_id),
            subject="建议正式交办",
            body=f"《{event.title}》（编号{event.number}）由贵单位协办，请于{co_due}前将协办意见送{event.lead_unit.name}。",
            **common,  # type: ignore[arg-type]
        )
        for u in event.co_units
    ]
    units = "、".join([event.lead_unit.name, *(u.name for u in event.co_units)])
    notes.append(
        _note(
            recipient=event.lead_deputy.id,
            subject="建议已交办",
            body=f"您领衔提出的《{event.title}》已交由{units}办理，答复期限为{due}。",
            **common,  # type: ignore[arg-type]
        )
    )
    return notes


def on_reassigned(event: CaseReassigned, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """Units added learn the case is theirs; units released learn it is not any more."""
    due = event.deadlines.reply_due_on.strftime("%Y年%m月%d日")
    notes = [
        _note(
            event_id=event_id,
            event_type=event.event_type,
            congress_id=event.congress_id,
            case_id=event.case_id,
            recipient=unit_recipient(u.unit_id),
            subject="建议改办",
            body=f"《{event.title}》（编号{event.number}）改由贵单位{_role(u)}，答复期限为{due}。",
            portal_url=portal_url,
            now=now,
        )
        for u in event.added
    ]
    notes += [
        _note(
            event_id=event_id,
            event_type=event.event_type,
            congress_id=event.congress_id,
            case_id=event.case_id,
            recipient=unit_recipient(u.unit_id),
            subject="建议改办",
            body=f"《{event.title}》（编号{event.number}）已改由其他单位办理，贵单位不再承办。原因：{event.reason}",
            portal_url=portal_url,
            now=now,
        )
        for u in event.released
    ]
    return notes


def on_urged(event: CaseUrged, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """A reminder (催办) reaches every unit on the case."""
    due = event.reply_due_on.strftime("%Y年%m月%d日")
    if event.days_left >= 0:
        text = f"《{event.title}》（编号{event.number}）答复期限为{due}，还有{event.days_left}天，请抓紧办理。"
    else:
        late = -event.days_left
        text = f"《{event.title}》（编号{event.number}）已超过答复期限（{due}）{late}天，请立即办理并答复代表。"
    if event.note:
        text += f"督办意见：{event.note}"
    return [
        _note(
            event_id=event_id,
            event_type=event.event_type,
            congress_id=event.congress_id,
            case_id=event.case_id,
            recipient=unit_recipient(u.unit_id),
            subject="催办通知",
            body=text,
            portal_url=portal_url,
            now=now,
        )
        for u in event.units
    ]


def on_light_changed(event: LightChanged, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """A case turning yellow or red is shown to its lead unit (the lists show it to the secretary and the chair)."""
    if event.light not in ("yellow", "red"):
        return []
    label = {"yellow": "黄色", "red": "红色"}[event.light]
    return [
        _note(
            event_id=event_id,
            event_type=event.event_type,
            congress_id=event.congress_id,
            case_id=event.case_id,
            recipient=unit_recipient(event.lead_unit.unit_id),
            subject=f"督办亮{label}灯",
            body=f"《{event.title}》（编号{event.number}）督办状态转为{label}，答复期限为"
            f"{event.reply_due_on.strftime('%Y年%m月%d日')}。",
            portal_url=portal_url,
            now=now,
        )
    ]


def on_replied(event: CaseReplied, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """The deputies learn the reply has come (the rating request follows from evaluation)."""
    told = [event.lead_deputy.id, *(d.id for d in event.co_signers)]
    return [
        _note(
            event_id=event_id,
            event_type=event.event_type,
            congress_id=event.congress_id,
            case_id=event.case_id,
            recipient=who,
            subject="建议已答复",
            body=f"{event.lead_unit.name}已答复您提出的《{event.title}》（{event.category}类）。",
            portal_url=portal_url,
            now=now,
        )
        for who in dict.fromkeys(told)
    ]


def on_rehandling(event: RehandlingStarted, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """The lead unit must handle the case again after an unsatisfied rating."""
    return [
        _note(
            event_id=event_id,
            event_type=event.event_type,
            congress_id=event.congress_id,
            case_id=event.case_id,
            recipient=unit_recipient(event.lead_unit.unit_id),
            subject="建议重新办理",
            body=f"代表对《{event.title}》的答复不满意，请重新办理并于"
            f"{event.reply_due_on.strftime('%Y年%m月%d日')}前再次答复。",
            portal_url=portal_url,
            now=now,
        )
    ]


def on_rating_requested(event: RatingRequested, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """Each deputy asked is invited to rate the reply before the window closes."""
    return [
        _note(
            event_id=event_id,
            event_type=event.event_type,
            congress_id=event.congress_id,
            case_id=event.case_id,
            recipient=r.id,
            subject="请评价办理答复",
            body=f"请对《{event.title}》的办理答复进行满意度测评，截止{_local(event.window_closes_at)}零时。",
            portal_url=portal_url,
            now=now,
        )
        for r in event.raters
    ]
