"""Webhooks for integrators: which events a subscription takes, how a delivery is signed, when it is tried again.

No I/O here. A subscription names exact event types (`supervision.case.urged.v1`) or topic patterns
with the AMQP meaning (`*` one word, `#` zero or more words: `supervision.case.*`, `intake.#`, `#`).
A delivery is the event envelope POSTed as `application/cloudevents+json`, signed with the
subscription's secret: `X-Congress-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from services.notify.domain import INBOX, Notification, notification_id
from shared.contracts.envelope import ROUTING_KEY
from shared.errors import Invalid

# --- limits and defaults -------------------------------------------------------------------------

MAX_URL_LENGTH = 2000
MAX_EVENT_TYPES = 20
MAX_PATTERN_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 500
MAX_SUBSCRIPTIONS_PER_OWNER = 50
# Hosts a plain-http URL may name: the integrator's own machine (development, a local relay).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

SIGNATURE_VERSION = "v1"
# A receiver refuses a timestamp further than this from its own clock (either way).
TOLERANCE_SECONDS = 300
# After a rotation the old secret still signs (a second `v1=`) for this long.
ROTATION_OVERLAP = timedelta(hours=24)

REQUEST_TIMEOUT_SECONDS = 10.0
CONCURRENCY = 8
MAX_ATTEMPTS = 12
DISABLE_AFTER_FAILURES = 20
FIRST_DELAY_SECONDS = 10.0
DELAY_FACTOR = 3.0
MAX_DELAY_SECONDS = 3600.0
# Each delay is shortened by up to this fraction, by a hash of the delivery id and attempt number.
JITTER = 0.1
# How long a sweep holds a delivery it is sending (another replica leaves it alone meanwhile).
CLAIM_SECONDS = 60.0
# Notify's own webhook events are never delivered by webhook (a delivery would cause another event).
OWN_EVENTS = "notify.webhook.#"

_WORD = re.compile(r"^[a-z0-9_]+$")


class SubscriptionStatus(StrEnum):
    """A subscription receives events while active."""

    ACTIVE = "active"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    """Where one event's delivery to one subscription stands."""

    PENDING = "pending"  # waiting for its next attempt (`next_attempt_at`)
    DELIVERED = "delivered"  # a 2xx came back
    FAILED = "failed"  # gave up after MAX_ATTEMPTS automatic attempts
    PAUSED = "paused"  # its subscription is disabled; resumes when it is enabled


class DisabledReason(StrEnum):
    """Why a subscription was disabled."""

    FAILURES = "consecutive_failures"
    MANUAL = "manual"


# --- subscriptions -------------------------------------------------------------------------------


def check_url(url: str, *, allow_local_http: bool = True) -> str:
    """The URL a subscription posts to: https anywhere, or plain http to this machine only.

    Refused (`webhook.url_invalid`): another scheme, no host, user and password in the URL, a
    fragment, plain http to any host but localhost / 127.0.0.1 / [::1] (or to any host at all when
    `allow_local_http` is off), more than 2000 characters.
    """
    url = url.strip()

    def refuse(why: str) -> Invalid:
        return Invalid("webhook.url_invalid", f"The URL is not accepted: {why}.", url=url[:200])

    if not url or len(url) > MAX_URL_LENGTH:
        raise refuse(f"it must have 1 to {MAX_URL_LENGTH} characters")
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        raise refuse("it contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refuse("it cannot be parsed") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("https", "http"):
        raise refuse("the scheme must be https (or http to localhost)")
    if not host:
        raise refuse("it names no host")
    if parts.username is not None or parts.password is not None:
        raise refuse("it must not carry a user name or password")
    if parts.fragment:
        raise refuse("it must not have a fragment")
    if port == 0:
        raise refuse("port 0")
    if scheme == "http" and not allow_local_http:
        raise refuse("the scheme must be https")
    if scheme == "http" and not _is_local(host):
        raise refuse("plain http is accepted only to localhost, 127.0.0.1 or [::1]")
    return url


def _is_local(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host) in (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
    except ValueError:
        return False


def check_event_types(event_types: Sequence[str]) -> list[str]:
    """The event types and patterns of a subscription, each once, in the order given.

    Each is an exact type (`<producer>.<entity>.<event>.v<N>`) or a pattern of dot-separated words
    (`[a-z0-9_]+`), `*` (exactly one word) and `#` (zero or more words). 1 to 20 of them, each at most
    200 characters; anything else is refused with `webhook.types_invalid`.
    """
    if not 1 <= len(event_types) <= MAX_EVENT_TYPES:
        raise Invalid(
            "webhook.types_invalid",
            f"Name 1 to {MAX_EVENT_TYPES} event types or patterns.",
            count=len(event_types),
        )
    out: list[str] = []
    for given in event_types:
        pattern = given.strip()
        if not _valid_pattern(pattern):
            raise Invalid(
                "webhook.types_invalid",
                "Each entry must be an event type like `supervision.case.urged.v1` "
                "or a pattern of words, `*` and `#` like `supervision.case.*`.",
                event_type=given[:MAX_PATTERN_LENGTH],
            )
        if pattern not in out:
            out.append(pattern)
    return out


def _valid_pattern(pattern: str) -> bool:
    if not pattern or len(pattern) > MAX_PATTERN_LENGTH:
        return False
    words = pattern.split(".")
    if not all(w in ("*", "#") or _WORD.match(w) for w in words):
        return False
    if "*" in words or "#" in words:
        return True
    return ROUTING_KEY.match(pattern) is not None


def is_pattern(event_type: str) -> bool:
    """True when the entry has a wildcard word."""
    return any(w in ("*", "#") for w in event_type.split("."))


def matches(pattern: str, event_type: str) -> bool:
    """Whether an event type matches an exact type or a topic pattern (`*` one word, `#` zero or more)."""
    if pattern == event_type:
        return True
    return _match(pattern.split("."), event_type.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    # reachable[j]: the pattern read so far can consume exactly the first j words
    reachable = [True] + [False] * len(words)
    for p in pattern:
        if p == "#":
            for j in range(1, len(words) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
        else:
            nxt = [False] * (len(words) + 1)
            for j in range(1, len(words) + 1):
                nxt[j] = reachable[j - 1] and (p == "*" or p == words[j - 1])
            reachable = nxt
    return reachable[len(words)]


def wants(event_types: Iterable[str], event_type: str) -> bool:
    """Whether a subscription with these types and patterns takes an event of `event_type`.

    Notify's own webhook events (`notify.webhook.*`) are never delivered by webhook.
    """
    if matches(OWN_EVENTS, event_type):
        return False
    return any(matches(p, event_type) for p in event_types)


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 32 random bytes, URL-safe base64."""
    return "whsec_" + secrets.token_urlsafe(32)


def new_subscription_id() -> str:
    """A subscription id: `wh_` and 24 random hex digits."""
    return "wh_" + secrets.token_hex(12)


def delivery_id(event_id: str, subscription_id: str) -> str:
    """The key that makes a delivery exactly-once per event and subscription."""
    return f"{event_id}:{subscription_id}"


# --- signatures ----------------------------------------------------------------------------------


def _bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body


def sign(secret: str, timestamp: int, body: bytes | str) -> str:
    """`v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>` over the exact body bytes sent."""
    message = str(int(timestamp)).encode() + b"." + _bytes(body)
    return f"{SIGNATURE_VERSION}=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_: Sequence[str], timestamp: int, body: bytes | str) -> str:
    """The `X-Congress-Signature` value: one `v1=` per secret that signs now, comma-separated (newest first)."""
    return ",".join(sign(s, timestamp, body) for s in secrets_)


def verify(
    secret: str,
    timestamp: str | int,
    body: bytes | str,
    signature: str,
    *,
    now: float | None = None,
    tolerance_seconds: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: True when one `v1=` of the header is the HMAC of `"<timestamp>.<raw body>"`
    (compared in constant time) and the timestamp is within `tolerance_seconds` of `now` (its clock)."""
    try:
        ts = int(str(timestamp).strip())
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_seconds:
        return False
    expected = sign(secret, ts, body)
    found = False
    for part in signature.split(","):
        # compare every candidate, so the time taken does not tell which one matched
        found |= hmac.compare_digest(part.strip().encode(), expected.encode())
    return found


def signing_secrets(
    secret: str, previous_secret: str | None, previous_until: datetime | None, now: datetime
) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one during a rotation's overlap."""
    out = [secret]
    if previous_secret and previous_until is not None and now < previous_until:
        out.append(previous_secret)
    return out


# --- retries and state ---------------------------------------------------------------------------


def is_success(status_code: int | None) -> bool:
    """A 2xx answer delivers; anything else (3xx included: redirects are not followed) is a failed attempt."""
    return status_code is not None and 200 <= status_code < 300


def retry_delay(failed_attempts: int, key: str = "") -> timedelta:
    """The wait after the `failed_attempts`-th failed attempt: 10 s × 3^(n-1), at most 1 h,
    shortened by up to 10 % by a hash of `key` (the delivery id) and n — deterministic, so a replica
    computes the same moment, while deliveries that failed together do not all come back together."""
    if failed_attempts < 1:
        raise ValueError("failed_attempts starts at 1")
    base = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * DELAY_FACTOR ** (failed_attempts - 1))
    digest = hashlib.sha256(f"{key}:{failed_attempts}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64  # [0, 1)
    return timedelta(seconds=base * (1 - JITTER * fraction))


def schedule(max_attempts: int = MAX_ATTEMPTS) -> list[float]:
    """The un-jittered waits between automatic attempts, in seconds (one fewer than the attempts)."""
    return [min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * DELAY_FACTOR ** (n - 1)) for n in range(1, max_attempts)]


def next_attempt_after_failure(
    attempts_made: int, *, now: datetime, key: str, max_attempts: int = MAX_ATTEMPTS
) -> datetime | None:
    """When to try again after the `attempts_made`-th automatic attempt failed; None means give up."""
    if attempts_made >= max_attempts:
        return None
    return now + retry_delay(attempts_made, key)


def should_disable(consecutive_failures: int, threshold: int = DISABLE_AFTER_FAILURES) -> bool:
    """A subscription is disabled after `threshold` failed attempts in a row across its deliveries."""
    return consecutive_failures >= threshold


def disabled_notice(
    *,
    subscription_id: str,
    congress_id: str,
    owner: str,
    url: str,
    description: str,
    failures: int,
    disable_count: int,
    link: str,
    now: datetime,
) -> Notification:
    """The inbox notification telling the owner their subscription was disabled; one per disabling."""
    cause = f"webhook:{subscription_id}:disabled:{disable_count}"
    name = f"「{description}」" if description else ""
    return Notification(
        id=notification_id(cause, owner, INBOX),
        congress_id=congress_id,
        recipient_id=owner,
        channel=INBOX,
        event_id=cause,
        event_type="notify.webhook.disabled.v1",
        case_id=subscription_id,
        subject="Webhook 订阅已停用",
        body=(
            f"您的 Webhook 订阅{name}（{url}）连续 {failures} 次投递失败，已自动停用，停用期间不再投递。"
            "请检查接收地址后重新启用（POST /webhooks/{id}/enable），未送达的投递将随之恢复。"
        ).replace("{id}", subscription_id),
        link=link,
        created_at=now,
    )
