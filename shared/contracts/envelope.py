"""The CloudEvents 1.0 envelope every event travels in, and the base of every contract.

Structured content mode: the whole envelope is the JSON body of the AMQP message
(content type `application/cloudevents+json`). Extension attributes: `congressid`, and the
W3C trace context as `traceparent` / `tracestate` (the CloudEvents distributed-tracing extension).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ROUTING_KEY = re.compile(r"^(?P<producer>[a-z]+)\.(?P<entity>[a-z_]+)\.(?P<event>[a-z_]+)\.v(?P<version>[0-9]+)$")
CONTENT_TYPE = "application/cloudevents+json"


class EventData(BaseModel):
    """Base of every event contract. Subclasses set `event_type` = the routing key."""

    # Consumers ignore fields they do not know: an additive change keeps the version.
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is not None and not ROUTING_KEY.match(event_type):
            raise TypeError(f"{cls.__name__}.event_type {event_type!r} is not <producer>.<entity>.<event>.v<N>")


D = TypeVar("D", bound=EventData)


class Envelope(BaseModel, Generic[D]):
    """A CloudEvents 1.0 event: attributes plus the versioned contract as `data`."""

    model_config = ConfigDict(frozen=True)

    specversion: str = "1.0"
    id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=500)
    type: str = Field(pattern=ROUTING_KEY.pattern)
    time: datetime
    subject: str = Field(min_length=1, max_length=200)
    datacontenttype: str = "application/json"
    congressid: str = Field(min_length=1, max_length=100)
    traceparent: str | None = None
    tracestate: str | None = None
    data: D

    @property
    def routing_key(self) -> str:
        """The AMQP routing key: the event type."""
        return self.type

    @property
    def case_id(self) -> str:
        """The case this event is about (the CloudEvents subject)."""
        return self.subject


class RawEnvelope(Envelope[Any]):
    """An envelope whose data is not yet checked against its contract."""

    data: dict[str, Any]


def new_envelope(
    data: EventData,
    *,
    source: str,
    subject: str,
    congress_id: str,
    traceparent: str | None = None,
    tracestate: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> Envelope[Any]:
    """Wrap a contract in a fresh envelope."""
    typed: Any = Envelope[type(data)]  # type: ignore[misc]
    envelope: Envelope[Any] = typed(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=data.event_type,
        time=time or datetime.now(UTC),
        subject=subject,
        congressid=congress_id,
        traceparent=traceparent,
        tracestate=tracestate,
        data=data,
    )
    return envelope


class UnknownEventType(Exception):
    """The message names a type no contract is registered for."""


class ContractRegistry:
    """Event type → contract class; parses raw messages into typed envelopes."""

    def __init__(self) -> None:
        self._contracts: dict[str, type[EventData]] = {}

    def register(self, contract: type[EventData]) -> type[EventData]:
        """Add a contract (usable as a class decorator)."""
        existing = self._contracts.get(contract.event_type)
        if existing is not None and existing is not contract:
            raise TypeError(f"two contracts claim {contract.event_type}")
        self._contracts[contract.event_type] = contract
        return contract

    def contract_for(self, event_type: str) -> type[EventData]:
        """The contract class of an event type."""
        try:
            return self._contracts[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def all(self) -> list[type[EventData]]:
        """Every registered contract, sorted by type."""
        return [self._contracts[k] for k in sorted(self._contracts)]

    def parse(self, body: bytes) -> Envelope[Any]:
        """Bytes → typed envelope; raise ValidationError or UnknownEventType if malformed."""
        raw = RawEnvelope.model_validate_json(body)
        contract = self.contract_for(raw.type)
        data = contract.model_validate(raw.data)
        typed: Any = Envelope[contract]  # type: ignore[valid-type]
        envelope: Envelope[Any] = typed(**{**raw.model_dump(exclude={"data"}), "data": data})
        return envelope


__all__ = [
    "CONTENT_TYPE",
    "ContractRegistry",
    "Envelope",
    "EventData",
    "RawEnvelope",
    "UnknownEventType",
    "ValidationError",
    "new_envelope",
]
