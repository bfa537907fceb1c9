"""Events notify publishes: what became of an e-mail, a text message or a webhook delivery.

Operators and integrators follow deliveries with them; a failed one is also listed by notify's API.
The subject is `delivery:<delivery id>`.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from shared.contracts.envelope import EventData
from shared.contracts.registry import registry


@registry.register
class NotificationSent(EventData):
    """An e-mail or text message was accepted by the mail server or the SMS gateway."""

    event_type: ClassVar[str] = "notify.notification.sent.v1"
    congress_id: str
    delivery_id: str  # <event id>:<person>:<channel>
    recipient_id: str
    channel: Literal["email", "sms"]
    attempts: int
    sent_at: datetime


@registry.register
class NotificationFailed(EventData):
    """An e-mail or text message could not be delivered: a permanent failure, or too many attempts."""

    event_type: ClassVar[str] = "notify.notification.failed.v1"
    congress_id: str
    delivery_id: str
    recipient_id: str
    channel: Literal["email", "sms"]
    attempts: int
    reason: str
    failed_at: datetime


@registry.register
class WebhookDelivered(EventData):
    """An integrator's endpoint answered 2xx to a webhook delivery."""

    event_type: ClassVar[str] = "notify.webhook.delivered.v1"
    congress_id: str
    delivery_id: str  # <event id>:<subscription id>
    subscription_id: str
    event_type_delivered: str
    attempts: int
    delivered_at: datetime


@registry.register
class WebhookFailed(EventData):
    """A webhook delivery gave up after its attempts."""

    event_type: ClassVar[str] = "notify.webhook.failed.v1"
    congress_id: str
    delivery_id: str
    subscription_id: str
    event_type_delivered: str
    attempts: int
    reason: str
    failed_at: datetime
