"""Notify's webhook routes: integrators subscribe their endpoints to the congress's events.

An integrator sees and manages only the subscriptions they created (owner = their token's `sub`),
in their token's congress; an admin sees and manages every subscription of the congress.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.notify.webhook_store import WebhookStore
from services.notify.webhooks import MAX_DESCRIPTION_LENGTH, DeliveryStatus, SubscriptionStatus
from shared.auth import Principal, Role, require

router = APIRouter(tags=["webhooks"])

Clock = Callable[[], datetime]


def _store(request: Request) -> WebhookStore:
    store: WebhookStore = request.app.state.webhooks
    return store


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


Webhooks = Annotated[WebhookStore, Depends(_store)]
Now = Annotated[Clock, Depends(_clock)]
Integrator = Annotated[Principal, Depends(require(Role.INTEGRATOR))]
WebhookId = Annotated[str, Path(min_length=1, max_length=64)]
DeliveryId = Annotated[str, Path(min_length=1, max_length=300)]


def _owner(who: Principal) -> str | None:
    """Whose subscriptions the caller manages: their own, or (an admin) all of the congress."""
    return None if Role.ADMIN in who.roles else who.subject


# --- schemas -------------------------------------------------------------------------------------


class WebhookIn(BaseModel):
    """A new subscription. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        description="https URL (plain http only to localhost, 127.0.0.1 or [::1]); ≤ 2000 characters",
        examples=["https://oa.example.gov.cn/hooks/congress"],
    )
    event_types: list[str] = Field(
        description="1–20 exact event types or topic patterns (`*` one word, `#` zero or more)",
        examples=[["supervision.case.*", "intake.suggestion.registered.v1"]],
    )
    description: str = Field(default="", max_length=MAX_DESCRIPTION_LENGTH)


class WebhookPublic(BaseModel):
    """A subscription as its owner sees it (never its secret)."""

    id: str
    owner: str
    url: str
    event_types: list[str]
    description: str
    status: SubscriptionStatus
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str | None
    previous_secret_valid_until: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, doc: dict[str, Any]) -> WebhookPublic:
        """From the stored document."""
        return cls(
            id=doc["_id"],
            owner=doc["owner"],
            url=doc["url"],
            event_types=list(doc["event_types"]),
            description=doc.get("description", ""),
            status=SubscriptionStatus(doc["status"]),
            consecutive_failures=int(doc.get("consecutive_failures", 0)),
            disabled_at=doc.get("disabled_at"),
            disabled_reason=doc.get("disabled_reason"),
            previous_secret_valid_until=doc.get("previous_secret_until") if doc.get("previous_secret") else None,
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
        )


class WebhookWithSecret(WebhookPublic):
    """A subscription with its signing secret: returned at creation and rotation only, never again."""

    secret: str


class WebhooksPublic(BaseModel):
    """A page of subscriptions."""

    data: list[WebhookPublic]
    count: int


class AttemptPublic(BaseModel):
    """One POST of a delivery: `ok` when a 2xx came back; else the status or the error."""

    at: datetime
    replay: bool
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    response: str = Field(description="the first 256 bytes of the receiver's answer")


class DeliveryPublic(BaseModel):
    """One event's delivery to one subscription, with its attempts (the newest 100)."""

    id: str = Field(description="`<event id>:<subscription id>`; sent as `X-Congress-Webhook-Id`")
    subscription_id: str
    event_id: str
    event_type: str
    subject: str
    status: DeliveryStatus
    attempt_count: int = Field(description="automatic attempts so far")
    replay_count: int
    attempts: list[AttemptPublic]
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> DeliveryPublic:
        """From the stored document."""
        return cls(
            id=doc["_id"],
            subscription_id=doc["subscription_id"],
            event_id=doc["event_id"],
            event_type=doc["event_type"],
            subject=doc.get("subject", ""),
            status=DeliveryStatus(doc["status"]),
            attempt_count=int(doc.get("attempt_count", 0)),
            replay_count=int(doc.get("replay_count", 0)),
            attempts=[AttemptPublic(**a) for a in doc.get("attempts", [])],
            created_at=doc["created_at"],
            next_attempt_at=doc.get("next_attempt_at"),
            delivered_at=doc.get("delivered_at"),
            failed_at=doc.get("failed_at"),
        )


class DeliveriesPublic(BaseModel):
    """A page of a subscription's deliveries."""

    data: list[DeliveryPublic]
    count: int


# --- routes --------------------------------------------------------------------------------------


@router.post("/webhooks", status_code=201, summary="Subscribe an endpoint to events")
async def create_webhook(body: WebhookIn, who: Integrator, webhooks: Webhooks, now: Now) -> WebhookWithSecret:
    """A new active subscription owned by the caller, in their congress; the secret is shown this once."""
    doc, secret = await webhooks.create(
        congress_id=who.congress_id,
        owner=who.subject,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        now=now(),
    )
    return WebhookWithSecret(**WebhookPublic.of(doc).model_dump(), secret=secret)


@router.get("/webhooks", summary="List my webhook subscriptions")
async def list_webhooks(
    who: Integrator,
    webhooks: Webhooks,
    status: SubscriptionStatus | None = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> WebhooksPublic:
    """The caller's subscriptions (an admin: the congress's), newest first."""
    docs, total = await webhooks.page(who.congress_id, _owner(who), status=status, skip=skip, limit=limit)
    return WebhooksPublic(data=[WebhookPublic.of(d) for d in docs], count=total)


@router.get("/webhooks/{webhook_id}", summary="Read a webhook subscription")
async def read_webhook(webhook_id: WebhookId, who: Integrator, webhooks: Webhooks) -> WebhookPublic:
    """One of the caller's subscriptions; another's is not found."""
    return WebhookPublic.of(await webhooks.get(who.congress_id, _owner(who), webhook_id))


@router.delete("/webhooks/{webhook_id}", status_code=204, summary="Delete a webhook subscription")
async def delete_webhook(webhook_id: WebhookId, who: Integrator, webhooks: Webhooks) -> Response:
    """Remove the subscription and its delivery log; nothing more is sent."""
    await webhooks.delete(who.congress_id, _owner(who), webhook_id)
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/enable", summary="Enable a webhook subscription")
async def enable_webhook(webhook_id: WebhookId, who: Integrator, webhooks: Webhooks, now: Now) -> WebhookPublic:
    """Active again, failure count reset; deliveries paused by the disabling are due now."""
    return WebhookPublic.of(await webhooks.enable(who.congress_id, _owner(who), webhook_id, now()))


@router.post("/webhooks/{webhook_id}/disable", summary="Disable a webhook subscription")
async def disable_webhook(webhook_id: WebhookId, who: Integrator, webhooks: Webhooks, now: Now) -> WebhookPublic:
    """No new deliveries are made for it; pending ones pause until it is enabled."""
    return WebhookPublic.of(await webhooks.disable(who.congress_id, _owner(who), webhook_id, now()))


@router.post("/webhooks/{webhook_id}/rotate-secret", summary="Rotate a webhook subscription's secret")
async def rotate_secret(webhook_id: WebhookId, who: Integrator, webhooks: Webhooks, now: Now) -> WebhookWithSecret:
    """A new secret, shown this once; for 24 h deliveries carry a second signature with the old one."""
    doc, secret = await webhooks.rotate_secret(who.congress_id, _owner(who), webhook_id, now())
    return WebhookWithSecret(**WebhookPublic.of(doc).model_dump(), secret=secret)


@router.get("/webhooks/{webhook_id}/deliveries", summary="A webhook subscription's delivery log")
async def list_deliveries(
    webhook_id: WebhookId,
    who: Integrator,
    webhooks: Webhooks,
    status: DeliveryStatus | None = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveriesPublic:
    """Deliveries newest first, each with its status and attempts; `status=failed` lists those given up."""
    docs, total = await webhooks.delivery_page(
        who.congress_id, _owner(who), webhook_id, status=status, skip=skip, limit=limit
    )
    return DeliveriesPublic(data=[DeliveryPublic.of(d) for d in docs], count=total)


@router.get("/webhooks/{webhook_id}/deliveries/{delivery_id}", summary="Read one delivery")
async def read_delivery(
    webhook_id: WebhookId, delivery_id: DeliveryId, who: Integrator, webhooks: Webhooks
) -> DeliveryPublic:
    """One delivery with its attempts."""
    return DeliveryPublic.of(await webhooks.delivery(who.congress_id, _owner(who), webhook_id, delivery_id))


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", summary="Send a delivery again now")
async def replay_delivery(
    webhook_id: WebhookId, delivery_id: DeliveryId, who: Integrator, webhooks: Webhooks, now: Now
) -> DeliveryPublic:
    """One attempt now, whatever the delivery's state, logged as a replay; answers after the attempt."""
    return DeliveryPublic.of(await webhooks.replay(who.congress_id, _owner(who), webhook_id, delivery_id, now()))
