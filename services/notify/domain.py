"""Who is told what, in which words. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.contracts.intake import (
    OpinionTakenUp,
    SuggestionCoSigningRequested,
    SuggestionFacts,
    SuggestionRegistered,
    SuggestionReturned,
)

INBOX = "inbox"


@dataclass(frozen=True)
class Notification:
    """One message for one person on one channel, caused by one event."""

    id: str
    congress_id: str
    recipient_id: str
    channel: str
    event_id: str
    event_type: str
    case_id: str
    subject: str
    body: str
    link: str
    created_at: datetime
    audience: str = ""  # which audience of the rule table it is for (ruletable.AUDIENCES)
    digestible: bool = False  # an automatic reminder: its e-mails and texts may be gathered into a digest


def notification_id(event_id: str, recipient_id: str, channel: str) -> str:
    """The key that makes a notification exactly-once per event, person and channel."""
    return f"{event_id}:{recipient_id}:{channel}"


def constituent_recipient(opinion_id: str) -> str:
    """The recipient id of the constituent behind a liaison-station opinion (reached by SMS; no inbox login)."""
    return f"opinion:{opinion_id}"


def on_registered(event: SuggestionRegistered, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """The lead deputy and every co-signer learn their suggestion is registered, with its number; so does the
    constituent whose opinion it grew from."""
    lead = f"您领衔提出的《{event.title}》已登记，编号{event.number}。"
    signed = f"您附议的《{event.title}》已登记，编号{event.number}。"
    told = {event.lead_deputy.id: ("lead_deputy", lead)}
    for signer in event.co_signers:
        told.setdefault(signer.id, ("co_signers", signed))
    if event.opinion_id:
        told[constituent_recipient(event.opinion_id)] = (
            "constituent",
            f"您反映的意见已由{event.lead_deputy.name or '人大'}代表形成建议《{event.title}》，"
            f"已登记，编号{event.number}。",
        )
    return [
        _one(
            event,
            event_id=event_id,
            recipient=who,
            subject="建议已登记",
            body=body,
            portal_url=portal_url,
            now=now,
            audience=audience,
        )
        for who, (audience, body) in told.items()
    ]


def on_opinion_taken_up(event: OpinionTakenUp, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """The constituent learns a deputy took their opinion up."""
    return [
        Notification(
            id=notification_id(event_id, constituent_recipient(event.opinion_id), INBOX),
            congress_id=event.congress_id,
            recipient_id=constituent_recipient(event.opinion_id),
            channel=INBOX,
            event_id=event_id,
            event_type=event.event_type,
            case_id=event.suggestion_id,
            subject="意见已被代表采纳",
            body=f"您通过代表联络站反映的意见已由{event.deputy.name or '人大'}代表采纳，将形成代表建议提出。",
            link=f"{portal_url.rstrip('/')}/suggestions/{event.suggestion_id}",
            created_at=now,
            audience="constituent",
        )
    ]


RETURN_REASONS = {
    "format": "格式不规范",
    "too_broad": "内容宽泛",
    "duplicate": "内容雷同",
    "out_of_scope": "不属于建议范围",
}


def _one(
    event: SuggestionFacts,
    *,
    event_id: str,
    recipient: str,
    subject: str,
    body: str,
    portal_url: str,
    now: datetime,
    audience: str,
) -> Notification:
    return Notification(
        id=notification_id(event_id, recipient, INBOX),
        congress_id=event.congress_id,
        recipient_id=recipient,
        channel=INBOX,
        event_id=event_id,
        event_type=event.event_type,
        case_id=event.suggestion_id,
        subject=subject,
        body=body,
        link=f"{portal_url.rstrip('/')}/suggestions/{event.suggestion_id}",
        created_at=now,
        audience=audience,
    )


def on_returned(event: SuggestionReturned, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """The lead deputy learns the suggestion was returned, and why, so they can revise it."""
    reason = RETURN_REASONS.get(event.reason_code, event.reason_code)
    body = f"您领衔提出的《{event.title}》已退回，原因：{reason}。{event.reason_text} 请修改后重新提交。"
    return [
        _one(
            event,
            event_id=event_id,
            recipient=event.lead_deputy.id,
            subject="建议已退回",
            body=body,
            portal_url=portal_url,
            now=now,
            audience="lead_deputy",
        )
    ]


def on_co_signing_requested(
    event: SuggestionCoSigningRequested, *, event_id: str, portal_url: str, now: datetime
) -> list[Notification]:
    """Each deputy newly asked to co-sign is told who asks and what."""
    body = f"{event.lead_deputy.name}代表邀请您联名附议《{event.title or '（未命名草稿）'}》，请确认或谢绝。"
    return [
        _one(
            event,
            event_id=event_id,
            recipient=r.id,
            subject="联名附议邀请",
            body=body,
            portal_url=portal_url,
            now=now,
            audience="co_signers",
        )
        for r in {r.id: r for r in event.requested}.values()
    ]
