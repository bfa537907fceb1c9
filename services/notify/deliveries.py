"""E-mail and SMS deliveries: their states, the retry schedule, the record of an attempt. No I/O here.

A delivery is one message to one person on one channel, caused by one event (`_id` =
`<event id>:<recipient id>:<channel>`). It is `pending` until a sweep claims it (`sending`, for a
lease); the attempt ends `sent`, or — on a temporary failure — `pending` again with its next moment
from `RETRY_DELAYS`, or `failed` for good (a permanent failure, or `MAX_ATTEMPTS` attempts made).
An operator may put a failed delivery back to `pending` (a retry starts the schedule over).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# Wait after the 1st, 2nd, … failed attempt before the next one.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
)
# Attempts in all (the first and one after each delay); after the last fails, the delivery is failed.
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# How long a claimed delivery stays `sending` before another sweep may take it (a crashed sender).
LEASE = timedelta(minutes=5)
# One send may take this long (connect, TLS, the whole SMTP dialogue or the HTTP request) — well inside LEASE.
SEND_TIMEOUT_SECONDS = 60.0
# Deliveries sent at once by one sweep.
CONCURRENCY = 8
# Attempts a delivery keeps in its log (the newest).
ATTEMPTS_KEPT = 50
# Characters of an error kept with an attempt.
ERROR_CHARS = 500


class Channel(StrEnum):
    """How a message reaches a person besides the inbox."""

    EMAIL = "email"
    SMS = "sms"


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"  # waiting for its attempt at `next_attempt_at`
    SENDING = "sending"  # claimed by a sweep until `lease_until`; due again after it (a crashed sender)
    SENT = "sent"  # the SMTP server or the SMS provider accepted it
    FAILED = "failed"  # permanently refused, or MAX_ATTEMPTS attempts failed; `failure_reason` says why


class Outcome(StrEnum):
    """What one attempt gave."""

    SENT = "sent"
    TEMPORARY = "temporary_failure"  # tried again by the schedule
    PERMANENT = "permanent_failure"  # not tried again
    INTERRUPTED = "interrupted"  # the sender stopped (crashed) before recording; it may have gone out


@dataclass(frozen=True)
class Attempt:
    """One attempt of a delivery, as its log keeps it."""

    at: datetime
    outcome: Outcome
    error: str | None
    duration_ms: int
    provider_id: str | None = None  # the SMS provider's message id, or the e-mail's Message-ID

    def as_doc(self) -> dict[str, object]:
        """The attempt as stored."""
        return {
            "at": self.at,
            "outcome": self.outcome.value,
            "error": self.error[:ERROR_CHARS] if self.error else None,
            "duration_ms": self.duration_ms,
            "provider_id": self.provider_id,
        }


def next_attempt_at(
    attempts_made: int,
    *,
    now: datetime,
    max_attempts: int = MAX_ATTEMPTS,
    delays: tuple[timedelta, ...] = RETRY_DELAYS,
) -> datetime | None:
    """When to try again after `attempts_made` attempts, the last of which failed temporarily; None to give up.

    With the defaults: 30 s after the 1st, 2 min after the 2nd, 10 min, 30 min, 2 h after the 5th, and
    no 7th attempt (None after the 6th). A schedule shorter than `max_attempts` repeats its last delay.
    """
    if attempts_made < 1:
        return now
    if attempts_made >= max_attempts or not delays:
        return None
    return now + delays[min(attempts_made, len(delays)) - 1]


def gave_up_reason(attempts_made: int, last_error: str | None) -> str:
    """The `failure_reason` of a delivery that failed temporarily too often."""
    return f"gave up after {attempts_made} attempts; last error: {last_error or 'unknown'}"[:ERROR_CHARS]


def delivery_id(event_id: str, recipient_id: str, channel: Channel | str) -> str:
    """The key that makes a delivery exactly-once per event, person and channel (as the inbox's)."""
    return f"{event_id}:{recipient_id}:{Channel(channel).value}"
