"""Who is told what, in which words. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.contracts.intake import SuggestionRegistered

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


def notification_id(event_id: str, recipient_id: str, channel: str) -> str:
    """The key that makes a notification exactly-once per event, person and channel."""
    return f"{event_id}:{recipient_id}:{channel}"


def on_registered(event: SuggestionRegistered, *, event_id: str, portal_url: str, now: datetime) -> list[Notification]:
    """The lead deputy and every co-signer learn their suggestion is registered, with its number."""
    link = f"{portal_url.rstrip('/')}/suggestions/{event.suggestion_id}"
    out = [
        Notification(
            id=notification_id(event_id, event.lead_deputy.id, INBOX),
            congress_id=event.congress_id,
            recipient_id=event.lead_deputy.id,
            channel=INBOX,
            event_id=event_id,
            event_type=event.event_type,
            case_id=event.suggestion_id,
            subject="建议已登记",
            body=f"您领衔提出的《{event.title}》已登记，编号{event.number}。",
            link=link,
            created_at=now,
        )
    ]
    told = {event.lead_deputy.id}
    for signer in event.co_signers:
        if signer.id in told:
            continue
        told.add(signer.id)
        out.append(
            Notification(
                id=notification_id(event_id, signer.id, INBOX),
                congress_id=event.congress_id,
                recipient_id=signer.id,
                channel=INBOX,
                event_id=event_id,
                event_type=event.event_type,
                case_id=event.suggestion_id,
                subject="建议已登记",
                body=f"您附议的《{event.title}》已登记，编号{event.number}。",
                link=link,
                created_at=now,
            )
        )
    return out
