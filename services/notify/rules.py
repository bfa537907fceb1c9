"""Who is told what about assignment, supervision and evaluation, in which words. No I/O here.

Each rule makes one notification per recipient of every audience the event has (`ruletable.AUDIENCES`);
the congress's rule table then decides which audiences are told and on which channels.

Units are told through their unit inbox (`unit:<unit id>`), which every handler of the unit reads with
their own inbox: a unit learns of its work even before notify knows who its contacts are. Staff are told
through their role's inbox (`role:staff`), which every staff member of the congress reads. Deputies and
leaders are told personally (their id is the recipient); the constituent behind a liaison-station
opinion as `opinion:<opinion id>` (by text message: they have no login).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Protocol

from services.notify.domain import INBOX, Notification, constituent_recipient, notification_id
from shared.contracts.assignment import (
    CaseAssigned,
    CasePreAssigned,
    CaseReassigned,
    LeaderTookCase,
    NegotiationDecided,
    UnitObjected,
    UnitRef,
)
from shared.contracts.evaluation import BallotOpened, RatingRequested
from shared.contracts.supervision import (
    CaseReplied,
    CaseUrged,
    ExtensionDecided,
    ExtensionRequested,
    LightChanged,
    ReferredToChair,
    RehandlingStarted,
    ReplySentBack,
    ReplySubmitted,
)
from shared.workdays import SHANGHAI

STAFF = "role:staff"


class _Event(Protocol):
    @property
    def event_type(self) -> str: ...
    @property
    def congress_id(self) -> str: ...


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
    audience: str,
    digestible: bool = False,
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
        audience=audience,
        digestible=digestible,
    )


def _role(unit: UnitRef) -> str:
    return "主办" if unit.role == "lead" else "协办"


def _day(d: object) -> str:
    return d.strftime("%Y年%m月%d日")  # type: ignore[attr-defined, no-any-return]


class _Maker:
    """Notifications of one event: `tell(audience, recipient, subject, body)`."""

    def __init__(self, event: _Event, case_id: str, *, event_id: str, portal_url: str, now: datetime) -> None:
        self.event, self.case_id, self.event_id, self.portal_url, self.now = event, case_id, event_id, portal_url, now
        self.out: list[Notification] = []
        self._seen: set[str] = set()

    def tell(self, audience: str, recipient: str, subject: str, body: str, *, digestible: bool = False) -> None:
        if recipient in self._seen:  # one notification per person and event, in the first audience naming them
            return
        self._seen.add(recipient)
        self.out.append(
            _note(
                event_id=self.event_id,
                event_type=self.event.event_type,
                congress_id=self.event.congress_id,
                case_id=self.case_id,
                recipient=recipient,
                subject=subject,
                body=body,
                portal_url=self.portal_url,
                now=self.now,
                audience=audience,
                digestible=digestible,
            )
        )


def on_pre_assigned(event: CasePreAssigned, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """Each unit asked learns of the case and until when it may object."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    for u in event.units:
        m.tell(
            "lead_unit" if u.role == "lead" else "co_units",
            unit_recipient(u.unit_id),
            "预交办建议待确认",
            f"《{event.title}》（编号{event.number}）拟由贵单位{_role(u)}，请于"
            f"{_local(u.window_closes_at.replace(microsecond=0))}零时前确认或提出异议；逾期视为同意。",
        )
    return m.out


def on_unit_objected(event: UnitObjected, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """Staff learn a unit objected: the case is contested and waits for their negotiation."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    m.tell(
        "staff",
        STAFF,
        "交办异议待协商",
        f"{event.unit.name}对《{event.title}》（编号{event.number}）的交办提出异议（第{event.round}轮）：{event.reason}",
    )
    return m.out


def on_negotiation_decided(
    event: NegotiationDecided, *, event_id: str, portal_url: str, now: datetime
) -> list[Notification]:
    """Units asked again (added, or in a new role) learn their new window; released units learn they are off."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    for u in event.fresh_windows:
        m.tell(
            "asked_units",
            unit_recipient(u.unit_id),
            "交办协商结果",
            f"经协商，《{event.title}》（编号{event.number}）拟由贵单位{_role(u)}，请于"
            f"{_local(u.window_closes_at.replace(microsecond=0))}零时前确认或提出异议；逾期视为同意。",
        )
    for r in event.released:
        m.tell(
            "released_units",
            unit_recipient(r.unit_id),
            "交办协商结果",
            f"经协商，《{event.title}》（编号{event.number}）不再由贵单位承办。",
        )
    return m.out


def on_assigned(
    event: CaseAssigned, *, event_id: str, portal_url: str, now: datetime, constituent: str | None = None
) -> list[Notification]:
    """The units learn the case is theirs and by when; the deputies and the leading leader learn who handles
    it; so does the constituent whose opinion it grew from (`constituent`: the opinion id)."""
    due = _day(event.deadlines.reply_due_on)
    co_due = _day(event.deadlines.co_opinion_due_on)
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    m.tell(
        "lead_unit",
        unit_recipient(event.lead_unit.unit_id),
        "建议正式交办",
        f"《{event.title}》（编号{event.number}）已正式交由贵单位主办，请于{due}前答复代表。",
    )
    for u in event.co_units:
        m.tell(
            "co_units",
            unit_recipient(u.unit_id),
            "建议正式交办",
            f"《{event.title}》（编号{event.number}）由贵单位协办，请于{co_due}前将协办意见送{event.lead_unit.name}。",
        )
    units = "、".join([event.lead_unit.name, *(u.name for u in event.co_units)])
    m.tell(
        "lead_deputy",
        event.lead_deputy.id,
        "建议已交办",
        f"您领衔提出的《{event.title}》已交由{units}办理，答复期限为{due}。",
    )
    for d in event.co_signers:
        m.tell("co_signers", d.id, "建议已交办", f"您附议的《{event.title}》已交由{units}办理，答复期限为{due}。")
    if event.lead_leader is not None:
        m.tell(
            "leader",
            event.lead_leader.id,
            "领办建议已交办",
            f"您领办的《{event.title}》（编号{event.number}）已交由{units}办理，答复期限为{due}。",
        )
    if constituent:
        m.tell(
            "constituent",
            constituent_recipient(constituent),
            "建议已交办",
            f"您反映的意见形成的建议《{event.title}》已交由{event.lead_unit.name}办理。",
        )
    return m.out


def on_reassigned(event: CaseReassigned, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """Units added learn the case is theirs; units released learn it is not any more; the lead deputy learns
    who handles it now."""
    due = _day(event.deadlines.reply_due_on)
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    for u in event.added:
        m.tell(
            "added_units",
            unit_recipient(u.unit_id),
            "建议改办",
            f"《{event.title}》（编号{event.number}）改由贵单位{_role(u)}，答复期限为{due}。",
        )
    for u in event.released:
        m.tell(
            "released_units",
            unit_recipient(u.unit_id),
            "建议改办",
            f"《{event.title}》（编号{event.number}）已改由其他单位办理，贵单位不再承办。原因：{event.reason}",
        )
    m.tell(
        "lead_deputy",
        event.lead_deputy.id,
        "建议改办",
        f"您领衔提出的《{event.title}》改由{event.lead_unit.name}主办，答复期限为{due}。",
    )
    return m.out


def on_leader_assigned(event: LeaderTookCase, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """The leader learns the case is theirs to lead (领导领办)."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    m.tell(
        "leader",
        event.leader.id,
        "领办建议",
        f"《{event.title}》（编号{event.number}）已确定由您领衔督办。",
    )
    return m.out


def on_urged(event: CaseUrged, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """A reminder (催办) reaches every unit on the case; automatic ones may be gathered into a day's digest."""
    due = _day(event.reply_due_on)
    if event.days_left >= 0:
        text = f"《{event.title}》（编号{event.number}）答复期限为{due}，还有{event.days_left}天，请抓紧办理。"
    else:
        late = -event.days_left
        text = f"《{event.title}》（编号{event.number}）已超过答复期限（{due}）{late}天，请立即办理并答复代表。"
    if event.note:
        text += f"督办意见：{event.note}"
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    for u in event.units:
        m.tell(
            "lead_unit" if u.unit_id == event.lead_unit.unit_id else "co_units",
            unit_recipient(u.unit_id),
            "催办通知",
            text,
            digestible=event.kind != "manual",
        )
    return m.out


def on_light_changed(event: LightChanged, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """A case turning yellow or red is shown to its lead unit and to staff (the secretary's and chair's lists)."""
    if event.light not in ("yellow", "red"):
        return []
    label = {"yellow": "黄色", "red": "红色"}[event.light]
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    text = f"《{event.title}》（编号{event.number}）督办状态转为{label}，答复期限为{_day(event.reply_due_on)}。"
    m.tell("lead_unit", unit_recipient(event.lead_unit.unit_id), f"督办亮{label}灯", text)
    m.tell("staff", STAFF, f"督办亮{label}灯", f"{event.lead_unit.name}主办的{text}")
    return m.out


def on_reply_submitted(event: ReplySubmitted, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """Staff learn a reply waits for their review (三对照) before it reaches the deputy."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    m.tell(
        "staff",
        STAFF,
        "答复待审核",
        f"{event.lead_unit.name}提交了《{event.title}》（编号{event.number}）的答复（{event.category}类），请审核。",
    )
    return m.out


REASONS = {"format": "格式不规范", "off_topic": "答非所问", "measures_mismatch": "措施与承诺不符", "other": "其他"}


def on_reply_sent_back(event: ReplySentBack, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """The lead unit learns its reply was sent back, and why."""
    why = "、".join(REASONS.get(r, r) for r in event.reasons)
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    m.tell(
        "lead_unit",
        unit_recipient(event.lead_unit.unit_id),
        "答复被退回",
        f"《{event.title}》（编号{event.number}）的答复未通过审核（{why}）{'：' + event.note if event.note else ''}，"
        f"请修改后于{_day(event.reply_due_on)}前重新答复。",
    )
    return m.out


def on_replied(
    event: CaseReplied, *, event_id: str, portal_url: str, now: datetime, constituent: str | None = None
) -> list[Notification]:
    """The deputies learn the reply has come (the rating request follows from evaluation); so does the
    constituent whose opinion the suggestion grew from."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    text = f"{event.lead_unit.name}已答复您提出的《{event.title}》（{event.category}类）。"
    m.tell("lead_deputy", event.lead_deputy.id, "建议已答复", text)
    for d in event.co_signers:
        m.tell("co_signers", d.id, "建议已答复", text)
    if constituent:
        m.tell(
            "constituent",
            constituent_recipient(constituent),
            "建议已答复",
            f"您反映的意见形成的建议《{event.title}》已由{event.lead_unit.name}答复。",
        )
    return m.out


def on_extension_requested(
    event: ExtensionRequested, *, event_id: str, portal_url: str, now: datetime
) -> list[Notification]:
    """Staff learn a unit asks for more time."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    m.tell(
        "staff",
        STAFF,
        "延期申请待审批",
        f"{event.lead_unit.name}申请将《{event.title}》（编号{event.number}）的答复期限延至"
        f"{_day(event.requested_due_on)}。理由：{event.reason}",
    )
    return m.out


def on_extension_decided(
    event: ExtensionDecided, *, event_id: str, portal_url: str, now: datetime
) -> list[Notification]:
    """The lead unit learns whether it has more time."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    if event.approved:
        text = f"《{event.title}》（编号{event.number}）的延期申请已批准，答复期限为{_day(event.reply_due_on)}。"
    else:
        text = f"《{event.title}》（编号{event.number}）的延期申请未获批准，答复期限仍为{_day(event.reply_due_on)}。"
    m.tell(
        "lead_unit", unit_recipient(event.lead_unit.unit_id), "延期申请结果", text + (event.note and f"{event.note}")
    )
    return m.out


def on_rehandling(event: RehandlingStarted, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """The units must handle the case again after an unsatisfied rating."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    m.tell(
        "lead_unit",
        unit_recipient(event.lead_unit.unit_id),
        "建议重新办理",
        f"代表对《{event.title}》的答复不满意，请重新办理并于{_day(event.reply_due_on)}前再次答复。",
    )
    for u in event.co_units:
        m.tell(
            "co_units",
            unit_recipient(u.unit_id),
            "建议重新办理",
            f"代表对《{event.title}》的答复不满意，{event.lead_unit.name}将重新办理，请继续协办。",
        )
    return m.out


def on_referred_to_chair(
    event: ReferredToChair, *, event_id: str, portal_url: str, now: datetime
) -> list[Notification]:
    """Staff learn a case goes to the chair meeting after its re-handlings."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    m.tell(
        "staff",
        STAFF,
        "建议提交主任会议",
        f"《{event.title}》（编号{event.number}）经{event.rounds}次重新办理代表仍不满意，请提交主任会议研究。",
    )
    return m.out


def on_rating_requested(event: RatingRequested, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """Each deputy asked is invited to rate the reply before the window closes."""
    m = _Maker(event, event.case_id, event_id=event_id, portal_url=portal_url, now=now)
    for r in event.raters:
        m.tell(
            "raters",
            r.id,
            "请评价办理答复",
            f"请对《{event.title}》的办理答复进行满意度测评，截止{_local(event.window_closes_at)}零时。",
        )
    return m.out


def on_ballot_opened(event: BallotOpened, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """Each voter is invited to vote (a ballot's link is the ballot, not a case)."""
    kind = "重点建议票决" if event.kind == "key_selection" else "民主评议"
    until = f"，截止{event.closes_at.astimezone(SHANGHAI).strftime('%Y年%m月%d日%H:%M')}" if event.closes_at else ""
    out = []
    for voter in dict.fromkeys(event.voters):
        n = _note(
            event_id=event_id,
            event_type=event.event_type,
            congress_id=event.congress_id,
            case_id=event.ballot_id,
            recipient=voter,
            subject=f"请参加{kind}",
            body=f"{event.title}已开始投票（{kind}，共{len(event.items)}项）{until}。",
            portal_url=portal_url,
            now=now,
            audience="voters",
        )
        out.append(replace(n, link=f"{portal_url.rstrip('/')}/ballots/{event.ballot_id}"))
    return out
