"""Event contracts: one module per producing service, versioned pydantic models in a CloudEvents envelope."""

from shared.contracts import assignment, evaluation, intake, notify, supervision
from shared.contracts.envelope import CONTENT_TYPE, Envelope, EventData, RawEnvelope, UnknownEventType, new_envelope
from shared.contracts.registry import registry

__all__ = [
    "CONTENT_TYPE",
    "Envelope",
    "EventData",
    "RawEnvelope",
    "UnknownEventType",
    "assignment",
    "evaluation",
    "intake",
    "new_envelope",
    "notify",
    "registry",
    "supervision",
]
