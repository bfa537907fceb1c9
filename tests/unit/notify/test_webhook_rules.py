"""Webhook rules: which events a subscription takes, URLs, signatures, the retry schedule, state."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from services.notify import webhooks as w
from shared.errors import Invalid

NOW = datetime(2025, 3, 5, 8, 0, tzinfo=UTC)
TS = 1_741_161_600  # 2025-03-05T08:00:00Z


# --- matching ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "event_type", "expected"),
    [
        ("supervision.case.urged.v1", "supervision.case.urged.v1", True),
        ("supervision.case.urged.v1", "supervision.case.urged.v2", False),
        ("supervision.case.*", "supervision.case.urged.v1", False),  # * is one word, the type has two more
        ("supervision.case.*.*", "supervision.case.urged.v1", True),
        ("supervision.case.#", "supervision.case.urged.v1", True),
        ("supervision.#", "supervision.case.urged.v1", True),
        ("supervision.#", "intake.suggestion.registered.v1", False),
        ("#", "intake.suggestion.registered.v1", True),
        ("#.v1", "intake.suggestion.registered.v1", True),
        ("#.v2", "intake.suggestion.registered.v1", False),
        ("*.suggestion.registered.v1", "intake.suggestion.registered.v1", True),
        ("*.*.*.*", "intake.suggestion.registered.v1", True),
        ("*.*.*", "intake.suggestion.registered.v1", False),
        ("intake.#.v1", "intake.suggestion.registered.v1", True),
        ("intake.suggestion.registered.v1.#", "intake.suggestion.registered.v1", True),  # # may be no word
        ("#.#", "intake.suggestion.registered.v1", True),
        ("intake.*.#.registered.v1", "intake.suggestion.registered.v1", True),
        ("intake.*.#.registered.v1", "intake.registered.v1", False),
    ],
)
def test_topic_matching(pattern: str, event_type: str, expected: bool) -> None:
    assert w.matches(pattern, event_type) is expected


def test_notify_webhook_events_are_never_delivered_by_webhook() -> None:
    assert w.wants(["#"], "supervision.case.urged.v1")
    assert not w.wants(["#"], "notify.webhook.delivered.v1")
    assert not w.wants(["notify.webhook.failed.v1"], "notify.webhook.failed.v1")
    assert not w.wants([], "supervision.case.urged.v1")


# --- input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://oa.example.gov.cn/hooks/congress",
        "https://example.com:8443/a?b=c",
        "http://localhost:9000/hook",
        "http://127.0.0.1:9000/hook",
        "http://[::1]:9000/hook",
        "HTTPS://EXAMPLE.COM/x",
    ],
)
def test_accepted_urls(url: str) -> None:
    assert w.check_url(f"  {url} ") == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com/hook",
        "ftp://example.com/hook",
        "http://example.com/hook",  # plain http elsewhere than this machine
        "http://10.0.0.8/hook",
        "http://127.0.0.2/hook",
        "http://localhost.example.com/hook",
        "https:///nohost",
        "https://user:pass@example.com/hook",
        "https://example.com/hook#frag",
        "https://exa mple.com/hook",
        "https://example.com:99999/hook",
        "https://example.com/" + "a" * 2000,
        "javascript:alert(1)",
    ],
)
def test_refused_urls(url: str) -> None:
    with pytest.raises(Invalid) as caught:
        w.check_url(url)
    assert caught.value.code == "webhook.url_invalid"


def test_local_http_can_be_turned_off() -> None:
    assert w.check_url("https://example.com/hook", allow_local_http=False) == "https://example.com/hook"
    with pytest.raises(Invalid) as caught:
        w.check_url("http://127.0.0.1:9000/hook", allow_local_http=False)
    assert caught.value.code == "webhook.url_invalid"


def test_event_types_are_kept_once_in_order() -> None:
    assert w.check_event_types(
        ["supervision.case.*", " #", "supervision.case.*", "intake.suggestion.registered.v1"]
    ) == [
        "supervision.case.*",
        "#",
        "intake.suggestion.registered.v1",
    ]


@pytest.mark.parametrize(
    "types",
    [
        [],
        [""],
        ["supervision.case"],  # neither an exact type nor a pattern
        ["Supervision.case.urged.v1"],
        ["supervision.case.urged"],
        ["supervision..urged.v1"],
        ["supervision.case.ur*"],
        ["supervision case"],
        ["a.b.c.v1." + "x" * 200],
        [f"intake.s{i}.registered.v1" for i in range(21)],
    ],
)
def test_refused_event_types(types: list[str]) -> None:
    with pytest.raises(Invalid) as caught:
        w.check_event_types(types)
    assert caught.value.code == "webhook.types_invalid"


def test_secrets_and_ids_are_fresh() -> None:
    assert w.new_secret().startswith("whsec_")
    assert len({w.new_secret() for _ in range(50)}) == 50
    assert w.new_subscription_id().startswith("wh_")
    assert w.delivery_id("e-1", "wh_1") == "e-1:wh_1"


# --- signatures ----------------------------------------------------------------------------------


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = '{"id":"e-1","type":"supervision.case.urged.v1","data":{"标题":"停车"}}'
    expected = hmac.new(b"whsec_k", f"{TS}.{body}".encode(), hashlib.sha256).hexdigest()
    assert w.sign("whsec_k", TS, body) == f"v1={expected}"
    assert w.sign("whsec_k", TS, body.encode()) == f"v1={expected}"


def test_verify_accepts_the_right_signature_within_five_minutes() -> None:
    body = b'{"id":"e-1"}'
    signature = w.sign("whsec_k", TS, body)
    assert w.verify("whsec_k", str(TS), body, signature, now=TS + 299)
    assert w.verify("whsec_k", TS, body, signature, now=TS - 299)  # a little clock skew either way


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "now"),
    [
        ("whsec_other", str(TS), b'{"id":"e-1"}', TS),  # another secret
        ("whsec_k", str(TS), b'{"id":"e-2"}', TS),  # body changed
        ("whsec_k", str(TS + 1), b'{"id":"e-1"}', TS),  # timestamp changed
        ("whsec_k", str(TS), b'{"id":"e-1"}', TS + 301),  # too old
        ("whsec_k", str(TS), b'{"id":"e-1"}', TS - 301),  # too far ahead
        ("whsec_k", "not-a-number", b'{"id":"e-1"}', TS),
    ],
)
def test_verify_refuses(secret: str, timestamp: str, body: bytes, now: int) -> None:
    signature = w.sign("whsec_k", TS, b'{"id":"e-1"}')
    assert not w.verify(secret, timestamp, body, signature, now=now)


def test_verify_refuses_garbage_headers() -> None:
    assert not w.verify("whsec_k", TS, b"x", "", now=TS)
    assert not w.verify("whsec_k", TS, b"x", "v0=abc", now=TS)
    assert not w.verify("whsec_k", TS, b"x", w.sign("whsec_k", TS, b"x").upper(), now=TS)


def test_during_a_rotation_both_secrets_sign() -> None:
    until = NOW + w.ROTATION_OVERLAP
    assert w.signing_secrets("new", "old", until, NOW) == ["new", "old"]
    assert w.signing_secrets("new", "old", until, until) == ["new"]
    assert w.signing_secrets("new", None, None, NOW) == ["new"]
    header = w.signature_header(["new", "old"], TS, b"x")
    assert header.count("v1=") == 2
    assert w.verify("new", TS, b"x", header, now=TS)
    assert w.verify("old", TS, b"x", header, now=TS)
    assert not w.verify("third", TS, b"x", header, now=TS)


# --- retries and state ---------------------------------------------------------------------------


def test_schedule_grows_threefold_from_ten_seconds_to_an_hour() -> None:
    assert w.schedule() == [10, 30, 90, 270, 810, 2430, 3600, 3600, 3600, 3600, 3600]
    assert sum(w.schedule()) == 21_640  # about six hours from the first attempt to the last


def test_retry_delay_is_jittered_down_deterministically() -> None:
    for n, base in enumerate(w.schedule(), start=1):
        delay = w.retry_delay(n, "e-1:wh_1").total_seconds()
        assert base * (1 - w.JITTER) <= delay <= base
        assert w.retry_delay(n, "e-1:wh_1") == w.retry_delay(n, "e-1:wh_1")
    spread = {w.retry_delay(1, f"e-{i}:wh_1") for i in range(20)}
    assert len(spread) > 10  # deliveries that failed together come back apart
    assert w.retry_delay(50, "k") <= timedelta(hours=1)
    with pytest.raises(ValueError):
        w.retry_delay(0, "k")


def test_give_up_after_the_last_attempt() -> None:
    after_first = w.next_attempt_after_failure(1, now=NOW, key="k")
    assert after_first is not None and NOW + timedelta(seconds=9) <= after_first <= NOW + timedelta(seconds=10)
    assert w.next_attempt_after_failure(11, now=NOW, key="k") is not None
    assert w.next_attempt_after_failure(12, now=NOW, key="k") is None
    assert w.next_attempt_after_failure(3, now=NOW, key="k", max_attempts=3) is None


def test_success_is_2xx_only() -> None:
    assert w.is_success(200) and w.is_success(204) and w.is_success(299)
    assert not any(w.is_success(c) for c in (None, 100, 301, 302, 400, 404, 410, 500, 503))


def test_disable_after_a_run_of_failures() -> None:
    assert not w.should_disable(19)
    assert w.should_disable(20)
    assert w.should_disable(3, threshold=3)


def test_disabled_notice_is_once_per_disabling() -> None:
    def notice(count: int) -> w.Notification:
        return w.disabled_notice(
            subscription_id="wh_1",
            congress_id="c1",
            owner="int-1",
            url="https://oa.example.gov.cn/hook",
            description="办公系统",
            failures=20,
            disable_count=count,
            link="/webhooks/wh_1",
            now=NOW,
        )

    first = notice(1)
    assert first.id == notice(1).id == "webhook:wh_1:disabled:1:int-1:inbox"
    assert notice(2).id != first.id
    assert first.recipient_id == "int-1" and first.congress_id == "c1" and first.channel == "inbox"
    assert "连续 20 次投递失败" in first.body and "「办公系统」" in first.body
    assert "/webhooks/wh_1/enable" in first.body
