"""Notify's delivery routes: the operators' view of e-mails and SMS, and trying a failed one again.

Staff and admins see every delivery of their token's congress (with the address and the text: they
need both to fix a failure); nobody else sees any.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from services.notify.deliveries import Channel, DeliveryStatus, Outcome
from services.notify.delivery_store import DeliveryStore
from shared.auth import Principal, Role, require

router = APIRouter(tags=["deliveries"])

Clock = Callable[[], datetime]


def _store(request: Request) -> DeliveryStore:
    store: DeliveryStore = request.app.state.deliveries
    return store


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


Deliveries = Annotated[DeliveryStore, Depends(_store)]
Now = Annotated[Clock, Depends(_clock)]
Operator = Annotated[Principal, Depends(require(Role.ADMIN, Role.STAFF))]
DeliveryId = Annotated[str, Path(min_length=1, max_length=300)]


class AttemptPublic(BaseModel):
    """One attempt to send."""

    at: datetime
    outcome: Outcome
    error: str | None = Field(description="why it was not accepted (`SMTP 550 …`, `aliyun isv.…: …`, `timeout …`)")
    duration_ms: int
    provider_id: str | None = Field(description="the SMS provider's message id, or the e-mail's Message-ID")


class DeliveryPublic(BaseModel):
    """One e-mail or SMS to one person, with its attempts (the newest 50)."""

    id: str = Field(description="`<event id>:<recipient id>:<channel>`")
    congress_id: str
    recipient_id: str
    channel: Channel
    address: str = Field(description="the e-mail address or phone number it goes to")
    subject: str
    body: str
    link: str
    status: DeliveryStatus
    attempt_count: int = Field(description="attempts since it was made (or last put back)")
    attempts: list[AttemptPublic]
    last_error: str | None
    failure_reason: str | None = Field(description="why it failed for good (when `failed`)")
    provider_id: str | None = Field(description="set when `sent`")
    retry_count: int = Field(description="times an operator put it back")
    retried_by: str | None
    retried_at: datetime | None
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None
    lease_until: datetime | None = Field(description="while `sending`: when another sweep may take it over")
    sent_at: datetime | None
    failed_at: datetime | None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> DeliveryPublic:
        """From the stored document."""
        return cls(
            id=doc["_id"],
            congress_id=doc["congress_id"],
            recipient_id=doc["recipient_id"],
            channel=Channel(doc["channel"]),
            address=doc["address"],
            subject=doc["subject"],
            body=doc["body"],
            link=doc.get("link", ""),
            status=DeliveryStatus(doc["status"]),
            attempt_count=int(doc.get("attempt_count", 0)),
            attempts=[AttemptPublic(**a) for a in doc.get("attempts", [])],
            last_error=doc.get("last_error"),
            failure_reason=doc.get("failure_reason"),
            provider_id=doc.get("provider_id"),
            retry_count=int(doc.get("retry_count", 0)),
            retried_by=doc.get("retried_by"),
            retried_at=doc.get("retried_at"),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
            next_attempt_at=doc.get("next_attempt_at"),
            lease_until=doc.get("lease_until"),
            sent_at=doc.get("sent_at"),
            failed_at=doc.get("failed_at"),
        )


class DeliveriesPublic(BaseModel):
    """A page of deliveries."""

    data: list[DeliveryPublic]
    count: int


@router.get("/deliveries", summary="List e-mail and SMS deliveries (operators)")
async def list_deliveries(
    who: Operator,
    deliveries: Deliveries,
    status: DeliveryStatus | None = None,
    channel: Channel | None = None,
    recipient_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveriesPublic:
    """The congress's deliveries, newest first; `status=failed` is the list of what needs an operator."""
    docs, total = await deliveries.page(
        who.congress_id, status=status, channel=channel, recipient_id=recipient_id, skip=skip, limit=limit
    )
    return DeliveriesPublic(data=[DeliveryPublic.of(d) for d in docs], count=total)


@router.get("/deliveries/{delivery_id}", summary="Read one delivery (operators)")
async def get_delivery(delivery_id: DeliveryId, who: Operator, deliveries: Deliveries) -> DeliveryPublic:
    """One delivery of the caller's congress, with its attempts."""
    return DeliveryPublic.of(await deliveries.get(who.congress_id, delivery_id))


@router.post("/deliveries/{delivery_id}/retry", summary="Try a failed delivery again (operators)")
async def retry_delivery(delivery_id: DeliveryId, who: Operator, deliveries: Deliveries, now: Now) -> DeliveryPublic:
    """A failed delivery becomes pending, due now, with a fresh retry schedule; the sweep sends it."""
    doc = await deliveries.retry(who.congress_id, delivery_id, by=who.subject, now=now())
    return DeliveryPublic.of(doc)
