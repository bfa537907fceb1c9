"""The e-mail and SMS channels: what a message is, and how it leaves notify.

`EmailSender` speaks SMTP (`aiosmtplib`); `AliyunSms` calls Alibaba Cloud SMS (阿里云短信, dysmsapi
`SendSms`) with its RPC request signing (Signature v1, HMAC-SHA1); `LogSms` only records, for
development. Each raises `TemporaryFailure` (try again later: the server is down or busy, a timeout,
a 4xx SMTP reply, throttling) or `PermanentFailure` (trying again cannot help: a 5xx SMTP reply, an
invalid address or number, a refused template). `DeliveryStore` turns those into its retry schedule.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Any, Literal, Protocol
from urllib.parse import quote

import aiosmtplib
import httpx

from services.notify.deliveries import Channel, delivery_id
from services.notify.domain import Notification

log = logging.getLogger("services.notify.channels")


# --- failures ------------------------------------------------------------------------------------


class ChannelFailure(Exception):
    """A message was not accepted; `reason` says why, for the delivery's log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(ChannelFailure):
    """Not accepted now; the same message may be accepted later (the delivery is tried again)."""


class PermanentFailure(ChannelFailure):
    """Not accepted, and trying again cannot change that (the delivery fails)."""


# --- the message ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Message:
    """One e-mail or SMS to one person, caused by one event.

    `delivery_id` is `<event id>:<recipient id>:<channel>` (see `deliveries.delivery_id`): it makes the
    delivery exactly-once, and the e-mail's `Message-ID` derives from it. `congress_id` scopes the
    operators' view. `address` is an e-mail address or a phone number, by `channel`.
    """

    delivery_id: str
    congress_id: str
    recipient_id: str
    channel: Channel
    address: str
    subject: str
    body: str
    link: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", Channel(self.channel))


def message_for(notification: Notification, channel: Channel, address: str) -> Message:
    """The e-mail or SMS of an inbox notification, keyed by the same event and recipient."""
    return Message(
        delivery_id=delivery_id(notification.event_id, notification.recipient_id, channel),
        congress_id=notification.congress_id,
        recipient_id=notification.recipient_id,
        channel=channel,
        address=address,
        subject=notification.subject,
        body=notification.body,
        link=notification.link,
    )


# --- e-mail --------------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*$")
EMAIL_FOOTER = "此邮件由系统自动发送，请勿直接回复。"


def check_email_address(address: str) -> str:
    """The address, trimmed; `PermanentFailure` when it is not a plain ASCII `local@domain`."""
    address = address.strip()
    if len(address) > 254 or not _EMAIL.match(address) or len(address.split("@")[0]) > 64:
        raise PermanentFailure(f"invalid e-mail address {address[:80]!r}")
    return address


def parse_from(value: str) -> Address:
    """`市人大常委会代表工委 <noreply@rd.example.gov.cn>` (or a bare address) as an `Address`."""
    name, addr = parseaddr(value)
    if not addr or "@" not in addr:
        raise ValueError(f"not a from address: {value!r}")
    local, domain = addr.rsplit("@", 1)
    return Address(display_name=name, username=local, domain=domain)


def message_id_for(delivery_id: str, domain: str) -> str:
    """The `Message-ID` of a delivery's e-mail: the same on every attempt, so a receiver can drop a resend."""
    digest = hashlib.sha256(delivery_id.encode()).hexdigest()[:32]
    return f"<{digest}.notify@{domain}>"


def email_text(message: Message) -> str:
    """The plain-text body: the message, the link to open, and the no-reply footer."""
    parts = [message.body.strip()]
    if message.link:
        parts.append(f"查看详情：{message.link}")
    parts.append(EMAIL_FOOTER)
    return "\n\n".join(parts) + "\n"


def build_email(message: Message, *, sender: Address, now: datetime) -> EmailMessage:
    """The MIME message: UTF-8 subject and display names (RFC 2047), UTF-8 text body in base64."""
    email = EmailMessage(policy=SMTP)
    email["From"] = sender
    email["To"] = check_email_address(message.address)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now.astimezone(UTC))
    email["Message-ID"] = message_id_for(message.delivery_id, sender.domain)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    email["X-Congress-Delivery-Id"] = message.delivery_id
    email.set_content(email_text(message), subtype="plain", charset="utf-8", cte="base64")
    return email


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how e-mail is sent. `starttls` upgrades a plain connection (port 587); `use_tls` is
    TLS from the first byte (port 465); both off only for a relay on a trusted network."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    use_tls: bool = False
    from_address: str = "人大代表建议办理系统 <noreply@localhost.localdomain>"
    timeout_seconds: float = 30.0


def smtp_failure(exc: BaseException) -> ChannelFailure:
    """What an aiosmtplib (or socket) error means: 4xx, timeouts and lost connections are temporary;
    5xx replies (sender, recipient or data refused; authentication refused) and an unsupported
    extension (STARTTLS asked for and not offered) are permanent."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        kind = PermanentFailure if codes and all(500 <= c < 600 for c in codes) else TemporaryFailure
        return kind(f"recipient refused: {detail}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        text = f"SMTP {exc.code} {exc.message}".strip()
        return PermanentFailure(text) if 500 <= exc.code < 600 else TemporaryFailure(text)
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return PermanentFailure(f"SMTP server does not support it: {exc.message}")
    if isinstance(exc, TimeoutError):
        return TemporaryFailure(f"timeout: {exc}" if str(exc) else "timeout")
    if isinstance(exc, aiosmtplib.SMTPException | OSError):
        return TemporaryFailure(f"{type(exc).__name__}: {exc}")
    return TemporaryFailure(f"{type(exc).__name__}: {exc}")


class EmailSender:
    """Sends a message as one e-mail over SMTP, a new connection each time."""

    def __init__(self, settings: SmtpSettings, *, clock: Callable[[], datetime] | None = None) -> None:
        if settings.use_tls and settings.starttls:
            raise ValueError("choose STARTTLS or implicit TLS, not both")
        self.settings = settings
        self.sender = parse_from(settings.from_address)
        self.clock = clock or (lambda: datetime.now(UTC))

    def message_id(self, message: Message) -> str:
        """The Message-ID this sender gives the message's e-mail."""
        return message_id_for(message.delivery_id, self.sender.domain)

    async def send(self, message: Message) -> None:
        """Hand the e-mail to the SMTP server; `TemporaryFailure` or `PermanentFailure` if it is not taken."""
        if message.channel is not Channel.EMAIL:
            raise PermanentFailure(f"not an e-mail: channel {message.channel}")
        email = build_email(message, sender=self.sender, now=self.clock())
        s = self.settings
        try:
            await aiosmtplib.send(
                email,
                sender=self.sender.addr_spec,
                recipients=[check_email_address(message.address)],
                hostname=s.host,
                port=s.port,
                username=s.username or None,
                password=s.password or None,
                use_tls=s.use_tls,
                start_tls=s.starttls if not s.use_tls else False,
                timeout=s.timeout_seconds,
            )
        except ChannelFailure:
            raise
        except Exception as exc:
            raise smtp_failure(exc) from exc


# --- SMS -----------------------------------------------------------------------------------------


class SmsProvider(Protocol):
    """Something that sends an SMS and returns the provider's message id."""

    async def send(self, message: Message) -> str:
        """Send; the provider's id of the message. `TemporaryFailure` / `PermanentFailure` if refused."""
        ...


_PHONE = re.compile(r"^\+?[0-9]{5,20}$")


def check_phone(number: str) -> str:
    """The number without spaces, hyphens and brackets; `PermanentFailure` if it is not one.

    Aliyun takes mainland numbers as 11 digits (optionally `+86` / `0086`) and others with their
    country code (`+852…`, `00852…`).
    """
    cleaned = re.sub(r"[\s\-()]", "", number)
    if not _PHONE.match(cleaned):
        raise PermanentFailure(f"invalid phone number {number[:40]!r}")
    return cleaned


def masked(number: str) -> str:
    """A phone number for logs: `138****5678`."""
    return number[:3] + "****" + number[-4:] if len(number) >= 8 else "****"


class LogSms:
    """An SMS provider for development: logs the message and keeps it in `sent`; never fails."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    async def send(self, message: Message) -> str:
        """Record the message; a made-up provider id."""
        number = check_phone(message.address)
        self.sent.append(message)
        log.info("SMS (log only) to %s: %s — %s", masked(number), message.subject, message.body)
        return f"log-{uuid.uuid4().hex}"


# Alibaba Cloud SMS, RPC style, signature v1 -------------------------------------------------------

ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
ALIYUN_VERSION = "2017-05-25"
# Codes that a later attempt may not get: throttling, quotas, the platform's own errors, arrears.
ALIYUN_TEMPORARY_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",  # 业务限流 (per-number minute/hour/day flow control)
        "isv.DAY_LIMIT_CONTROL",  # 触发日发送限额
        "isv.MONTH_LIMIT_CONTROL",  # 触发月发送限额
        "isv.OUT_OF_SERVICE",  # 业务停机 (balance exhausted; sends again after a top-up)
        "isv.AMOUNT_NOT_ENOUGH",  # 账户余额不足
        "isp.SYSTEM_ERROR",  # 系统错误
        "SignatureNonceUsed",  # a nonce clash; the next attempt has a new nonce
        "ServiceUnavailable",
        "InternalError",
    }
)


def percent_encode(value: str) -> str:
    """Aliyun's percent-encoding (RFC 3986) of the UTF-8 bytes: only `A–Z a–z 0–9 - _ . ~` stay as they are.

    The same as the documented recipe — `URLEncoder.encode(v, "UTF-8")` (form encoding), then
    `+` → `%20`, `*` → `%2A`, `%7E` → `~` — and upper-case hex digits.
    """
    return quote(value, safe="-_.~", encoding="utf-8")


def canonicalized_query(params: Mapping[str, str]) -> str:
    """`percentEncode(k)=percentEncode(v)` for every parameter but `Signature`, sorted by key, joined by `&`."""
    pairs = sorted((percent_encode(k), percent_encode(v)) for k, v in params.items() if k != "Signature")
    return "&".join(f"{k}={v}" for k, v in pairs)


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """`<HTTP method>&percentEncode("/")&percentEncode(<canonicalized query>)`."""
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def rpc_signature(access_key_secret: str, method: str, params: Mapping[str, str]) -> str:
    """base64(HMAC-SHA1(key = AccessKeySecret + "&", string to sign))."""
    key = (access_key_secret + "&").encode()
    digest = hmac.new(key, string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_timestamp(at: datetime) -> str:
    """ISO 8601 in UTC, to the second: `2017-07-12T02:42:19Z`."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def aliyun_failure(code: str, message: str, request_id: str = "") -> ChannelFailure:
    """What an Aliyun error code means: throttling, quotas and platform errors are temporary; the rest
    (an illegal number, template, signature or parameter, missing permissions, a bad request signature)
    is permanent."""
    text = f"aliyun {code}: {message}" + (f" (RequestId {request_id})" if request_id else "")
    temporary = code in ALIYUN_TEMPORARY_CODES or code.startswith("Throttling")
    return TemporaryFailure(text) if temporary else PermanentFailure(text)


def subject_param(message: Message) -> dict[str, str]:
    """The default `TemplateParam`: `{"subject": <subject>}` for a template like
    `您有一条新的${subject}通知，请登录人大代表建议办理系统查看。` (variables may not carry links)."""
    return {"subject": message.subject}


class AliyunSms:
    """Alibaba Cloud SMS: one signed `SendSms` call per message, to `endpoint` (a local server in tests)."""

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_code: str,
        endpoint: str = ALIYUN_ENDPOINT,
        region_id: str = "cn-hangzhou",
        method: Literal["GET", "POST"] = "POST",
        http: httpx.AsyncClient | None = None,
        timeout_seconds: float = 10.0,
        template_params: Callable[[Message], Mapping[str, str]] = subject_param,
        clock: Callable[[], datetime] | None = None,
        nonce: Callable[[], str] | None = None,
    ) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.template_code = template_code
        self.endpoint = endpoint
        self.region_id = region_id
        self.method = method
        self._owns_http = http is None
        self.http = http if http is not None else httpx.AsyncClient(follow_redirects=False)
        self.timeout_seconds = timeout_seconds
        self.template_params = template_params
        self.clock = clock or (lambda: datetime.now(UTC))  # real time: Aliyun refuses a skewed Timestamp
        self.nonce = nonce or (lambda: uuid.uuid4().hex)

    async def aclose(self) -> None:
        """Close the HTTP client if this provider made it."""
        if self._owns_http:
            await self.http.aclose()

    def params(self, message: Message) -> dict[str, str]:
        """The request's parameters, `Signature` included."""
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": hashlib.sha256(message.delivery_id.encode()).hexdigest()[:32],
            "PhoneNumbers": check_phone(message.address),
            "RegionId": self.region_id,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps(dict(self.template_params(message)), ensure_ascii=False, separators=(",", ":")),
            "Timestamp": aliyun_timestamp(self.clock()),
            "Version": ALIYUN_VERSION,
        }
        params["Signature"] = rpc_signature(self.access_key_secret, self.method, params)
        return params

    async def send(self, message: Message) -> str:
        """Call `SendSms`; the `BizId` Aliyun gives the message."""
        if message.channel is not Channel.SMS:
            raise PermanentFailure(f"not an SMS: channel {message.channel}")
        params = self.params(message)
        query = canonicalized_query(params) + "&Signature=" + percent_encode(params["Signature"])
        try:
            if self.method == "GET":
                sep = "&" if "?" in self.endpoint else "?"
                response = await self.http.get(f"{self.endpoint}{sep}{query}", timeout=self.timeout_seconds)
            else:
                response = await self.http.post(
                    self.endpoint,
                    content=query.encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                    timeout=self.timeout_seconds,
                )
        except httpx.TimeoutException as exc:
            raise TemporaryFailure(f"aliyun timeout after {self.timeout_seconds:g} s") from exc
        except httpx.HTTPError as exc:
            raise TemporaryFailure(f"aliyun {type(exc).__name__}: {exc}") from exc
        return _aliyun_answer(response)


def _aliyun_answer(response: httpx.Response) -> str:
    body: Any = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("Code"), str):
        code = body["Code"]
        if code == "OK" and response.is_success:
            return str(body.get("BizId") or body.get("RequestId") or "")
        if code != "OK":
            raise aliyun_failure(code, str(body.get("Message", "")), str(body.get("RequestId", "")))
    status = response.status_code
    text = f"aliyun HTTP {status}: {response.text[:200]}"
    if status >= 500 or status == 429 or response.is_success:  # a 2xx without a Code: a garbled answer
        raise TemporaryFailure(text)
    raise PermanentFailure(text)
