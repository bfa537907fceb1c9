"""E-mail and SMS channels: Aliyun request signing (known vectors), percent-encoding, the MIME message,
how failures are told apart, and the retry schedule."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from urllib.parse import parse_qsl

import aiosmtplib
import httpx
import pytest

from services.notify import channels as ch
from services.notify import deliveries as d
from services.notify.channels import Message, PermanentFailure, TemporaryFailure
from services.notify.domain import Notification

NOW = datetime(2025, 3, 5, 8, 0, tzinfo=UTC)
FROM = "市人大常委会代表工委 <noreply@rd.example.gov.cn>"


def message(channel: str = "email", **changes: str) -> Message:
    values = {
        "delivery_id": f"evt-1:dep-1:{channel}",
        "congress_id": "c1",
        "recipient_id": "dep-1",
        "channel": channel,
        "address": "dep1@example.org" if channel == "email" else "13800138000",
        "subject": "建议已登记",
        "body": "您领衔提出的《关于加强社区养老服务的建议》已登记，编号第0012号。",
        "link": "https://portal.example.gov.cn/suggestions/s-1",
    }
    values.update(changes)
    return Message(**values)  # type: ignore[arg-type]


# --- percent-encoding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("AZaz09", "AZaz09"),
        ("-_.~", "-_.~"),  # unreserved: kept (`%7E` → `~`)
        (" ", "%20"),  # a space is %20, never `+`
        ("*", "%2A"),  # `*` is encoded
        ("+", "%2B"),
        ("/", "%2F"),
        ("=&:", "%3D%26%3A"),
        ('{"a":1}', "%7B%22a%22%3A1%7D"),
        ("阿", "%E9%98%BF"),  # UTF-8 bytes, upper-case hex
        ("2017-07-12T02:42:19Z", "2017-07-12T02%3A42%3A19Z"),
    ],
)
def test_percent_encoding_follows_aliyun_rules(raw: str, encoded: str) -> None:
    assert ch.percent_encode(raw) == encoded


def test_percent_encoding_equals_the_documented_java_recipe() -> None:
    # URLEncoder.encode(v, "UTF-8") keeps A-Z a-z 0-9 . - * _ and turns a space into `+`; then the three
    # replacements. quote_plus(safe="*") is that form encoding.
    from urllib.parse import quote_plus

    for raw in ["a b*c~d+e/f", "某市人大 常委会*~", "".join(chr(c) for c in range(32, 127))]:
        java = quote_plus(raw, safe="*").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")
        assert ch.percent_encode(raw) == java


# --- signing: known vectors ----------------------------------------------------------------------

# Aliyun's own SendSms example ("HTTP协议及签名"), a GET request: AccessKeyId testId, secret testSecret.
DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_signature_matches_aliyuns_published_sendsms_example() -> None:
    assert ch.canonicalized_query(DOC_PARAMS) == (
        "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
        "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
        "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0"
        "&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D"
        "&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
    )
    assert ch.string_to_sign("GET", DOC_PARAMS).startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001"
    )
    assert ch.rpc_signature("testSecret", "GET", DOC_PARAMS) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    # `Signature` itself is never part of what is signed
    assert ch.rpc_signature("testSecret", "GET", {**DOC_PARAMS, "Signature": "x"}) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_signature_matches_aliyuns_published_rpc_example() -> None:
    # The RPC signing document's DescribeRegions example (AccessKeyId testid, secret testsecret).
    params = {
        "Format": "XML",
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert ch.rpc_signature("testsecret", "GET", params) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


# Our own request, computed by hand from the algorithm (not by the code under test):
#   params as below (POST, JSON, OutId = first 32 hex digits of sha256("evt-1:dep-1:sms"));
#   the string to sign is OUR_STRING_TO_SIGN, whose HMAC-SHA1 under "testSecret&", base64, is
#     printf '%s' "$OUR_STRING_TO_SIGN" | openssl dgst -sha1 -hmac 'testSecret&' -binary | base64
#     → EJtLP6yD9gXvg8gH9DDJnA9Q7nM=
#   and printf '%s' 'evt-1:dep-1:sms' | sha256sum | cut -c1-32 → 2d5114feb218aba3bf318fcffe18ebe5.
#   某市人大常委会 is E6 9F 90 / E5 B8 82 / E4 BA BA / E5 A4 A7 / E5 B8 B8 / E5 A7 94 / E4 BC 9A in UTF-8;
#   keys sort byte-wise, so SignName (N = 0x4E) comes before SignatureMethod (a = 0x61).
OUR_STRING_TO_SIGN = (
    "POST&%2F&AccessKeyId%3DLTAI5tTestKeyId%26Action%3DSendSms%26Format%3DJSON"
    "%26OutId%3D2d5114feb218aba3bf318fcffe18ebe5%26PhoneNumbers%3D13800138000%26RegionId%3Dcn-hangzhou"
    "%26SignName%3D%25E6%259F%2590%25E5%25B8%2582%25E4%25BA%25BA%25E5%25A4%25A7%25E5%25B8%25B8%25E5%25A7%2594"
    "%25E4%25BC%259A%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3f6c2a9e-8d4b-4c1a-9e2f-000000000001"
    "%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_470000001"
    "%26TemplateParam%3D%257B%2522subject%2522%253A%2522%25E5%25BB%25BA%25E8%25AE%25AE%25E5%25B7%25B2%25E7%2599"
    "%25BB%25E8%25AE%25B0%2522%257D%26Timestamp%3D2025-03-05T08%253A00%253A00Z%26Version%3D2017-05-25"
)
OUR_SIGNATURE = "EJtLP6yD9gXvg8gH9DDJnA9Q7nM="


def aliyun(**overrides: object) -> ch.AliyunSms:
    options: dict[str, object] = {
        "access_key_id": "LTAI5tTestKeyId",
        "access_key_secret": "testSecret",
        "sign_name": "某市人大常委会",
        "template_code": "SMS_470000001",
        "endpoint": "http://sms.test/",
        "clock": lambda: NOW,
        "nonce": lambda: "3f6c2a9e-8d4b-4c1a-9e2f-000000000001",
    }
    options.update(overrides)
    return ch.AliyunSms(**options)  # type: ignore[arg-type]


def test_our_sendsms_request_is_signed_as_computed_by_hand() -> None:
    params = aliyun().params(message("sms"))
    assert params["Timestamp"] == "2025-03-05T08:00:00Z"
    assert params["TemplateParam"] == '{"subject":"建议已登记"}'
    assert params["OutId"] == "2d5114feb218aba3bf318fcffe18ebe5"
    assert {k: params[k] for k in ("Action", "Version", "Format", "SignatureMethod", "SignatureVersion")} == {
        "Action": "SendSms",
        "Version": "2017-05-25",
        "Format": "JSON",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
    }
    assert ch.string_to_sign("POST", params) == OUR_STRING_TO_SIGN
    assert params["Signature"] == OUR_SIGNATURE
    # the same request by GET signs another string
    assert aliyun(method="GET").params(message("sms"))["Signature"] != OUR_SIGNATURE


# --- the SMS provider against a mock transport ---------------------------------------------------


def answering(status: int, body: object, seen: list[httpx.Request] | None = None) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if isinstance(body, Exception):
            raise body
        content = body if isinstance(body, str) else json.dumps(body)
        return httpx.Response(status, content=content.encode())

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_sendsms_ok_returns_the_biz_id_and_posts_the_signed_form() -> None:
    seen: list[httpx.Request] = []
    ok = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}
    async with answering(200, ok, seen) as http:
        assert await aliyun(http=http).send(message("sms")) == "900619746936498440^0"
    [request] = seen
    assert request.method == "POST" and str(request.url) == "http://sms.test/"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
    assert form["Signature"] == OUR_SIGNATURE and form["SignName"] == "某市人大常委会"
    assert form["TemplateParam"] == '{"subject":"建议已登记"}'


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}, TemporaryFailure),
        (200, {"Code": "isv.DAY_LIMIT_CONTROL", "Message": "触发日发送限额"}, TemporaryFailure),
        (200, {"Code": "isv.OUT_OF_SERVICE", "Message": "业务停机"}, TemporaryFailure),
        (200, {"Code": "isp.SYSTEM_ERROR", "Message": "系统错误"}, TemporaryFailure),
        (400, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control."}, TemporaryFailure),
        (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}, PermanentFailure),
        (200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"}, PermanentFailure),
        (200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "签名不合法"}, PermanentFailure),
        (200, {"Code": "isp.RAM_PERMISSION_DENY", "Message": "RAM权限DENY"}, PermanentFailure),
        (400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}, PermanentFailure),
        (500, "Internal Server Error", TemporaryFailure),
        (503, {"Code": "ServiceUnavailable", "Message": "busy"}, TemporaryFailure),
        (502, "<html>bad gateway</html>", TemporaryFailure),
        (429, "slow down", TemporaryFailure),
        (404, "not found", PermanentFailure),
        (200, "not json", TemporaryFailure),
    ],
)
async def test_sendsms_answers_are_told_apart(status: int, body: object, kind: type[Exception]) -> None:
    async with answering(status, body) as http:
        with pytest.raises(kind) as caught:
            await aliyun(http=http).send(message("sms"))
    assert type(caught.value) is kind
    if isinstance(body, dict):
        assert body["Code"] in str(caught.value)


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
async def test_sendsms_network_errors_are_temporary(error: Exception) -> None:
    async with answering(200, error) as http:
        with pytest.raises(TemporaryFailure):
            await aliyun(http=http).send(message("sms"))


async def test_an_invalid_number_is_permanent_and_nothing_is_sent() -> None:
    seen: list[httpx.Request] = []
    async with answering(200, {"Code": "OK"}, seen) as http:
        with pytest.raises(PermanentFailure):
            await aliyun(http=http).send(message("sms", address="138-0013-800x"))
    assert seen == []
    assert ch.check_phone(" 138 0013-8000 ") == "13800138000"
    assert ch.check_phone("+8613800138000") == "+8613800138000"
    assert ch.masked("13800138000") == "138****8000"


async def test_log_sms_records() -> None:
    sms = ch.LogSms()
    provider_id = await sms.send(message("sms"))
    assert provider_id.startswith("log-") and [m.delivery_id for m in sms.sent] == ["evt-1:dep-1:sms"]


# --- e-mail --------------------------------------------------------------------------------------


def test_the_email_is_utf8_mime_with_a_message_id_from_the_delivery() -> None:
    sender = ch.parse_from(FROM)
    built = ch.build_email(message(), sender=sender, now=NOW)
    raw = built.as_bytes()
    raw.decode("ascii")  # every header RFC 2047-encoded, the body base64: 7-bit clean
    assert b"=?utf-8?" in raw and "建议已登记".encode() not in raw

    parsed = email.message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == "建议已登记"
    assert parsed["From"].addresses[0].display_name == "市人大常委会代表工委"
    assert parsed["From"].addresses[0].addr_spec == "noreply@rd.example.gov.cn"
    assert parsed["To"] == "dep1@example.org"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Congress-Delivery-Id"] == "evt-1:dep-1:email"
    assert parsed["Date"].datetime == NOW
    assert parsed.get_content_type() == "text/plain" and parsed.get_content_charset() == "utf-8"
    assert parsed["Content-Transfer-Encoding"] == "base64"
    text = parsed.get_content()
    assert "您领衔提出的《关于加强社区养老服务的建议》已登记，编号第0012号。" in text
    assert "查看详情：https://portal.example.gov.cn/suggestions/s-1" in text
    assert ch.EMAIL_FOOTER in text

    message_id = parsed["Message-ID"]
    assert message_id == ch.message_id_for("evt-1:dep-1:email", "rd.example.gov.cn")
    assert message_id.startswith("<") and message_id.endswith("@rd.example.gov.cn>")
    later = ch.build_email(message(), sender=sender, now=NOW + timedelta(hours=1))
    assert later["Message-ID"] == message_id  # a resend carries the same id
    assert ch.build_email(message(delivery_id="evt-2:dep-1:email"), sender=sender, now=NOW)["Message-ID"] != message_id


def test_from_addresses_and_recipient_addresses() -> None:
    bare = ch.parse_from("noreply@rd.example.gov.cn")
    assert bare.display_name == "" and bare.domain == "rd.example.gov.cn"
    with pytest.raises(ValueError):
        ch.parse_from("代表工委")
    assert ch.check_email_address("  a.b+c@sub.example.org ") == "a.b+c@sub.example.org"
    for bad in ["", "no-at", "a@", "@b.org", "a b@c.org", "a@b.org\r\nBcc: x@y.org", "x@y.org, z@w.org"]:
        with pytest.raises(PermanentFailure):
            ch.check_email_address(bad)
    with pytest.raises(PermanentFailure):
        ch.build_email(message(address="not an address"), sender=bare, now=NOW)
    with pytest.raises(ValueError):
        ch.EmailSender(ch.SmtpSettings(host="h", starttls=True, use_tls=True, from_address=FROM))


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ConnectionRefusedError(111, "Connection refused"), TemporaryFailure),
        (aiosmtplib.SMTPConnectError("Error connecting to 127.0.0.1 on port 1"), TemporaryFailure),
        (aiosmtplib.SMTPConnectTimeoutError("Timed out connecting"), TemporaryFailure),
        (aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response"), TemporaryFailure),
        (aiosmtplib.SMTPServerDisconnected("Unexpected EOF"), TemporaryFailure),
        (TimeoutError(), TemporaryFailure),
        (aiosmtplib.SMTPResponseException(421, "4.3.2 Service not available"), TemporaryFailure),
        (aiosmtplib.SMTPSenderRefused(451, "4.3.0 try later", "noreply@x"), TemporaryFailure),
        (aiosmtplib.SMTPDataError(452, "4.3.1 Insufficient system storage"), TemporaryFailure),
        (aiosmtplib.SMTPDataError(554, "5.7.1 Message rejected as spam"), PermanentFailure),
        (aiosmtplib.SMTPSenderRefused(553, "5.7.1 Sender not allowed", "noreply@x"), PermanentFailure),
        (aiosmtplib.SMTPAuthenticationError(535, "5.7.8 Authentication credentials invalid"), PermanentFailure),
        (aiosmtplib.SMTPNotSupported("STARTTLS extension not supported by server."), PermanentFailure),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "5.1.1 No such user", "a@b.org")]),
            PermanentFailure,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(450, "4.2.1 Mailbox busy", "a@b.org")]),
            TemporaryFailure,
        ),
    ],
)
def test_smtp_errors_are_told_apart(error: BaseException, kind: type[Exception]) -> None:
    failure = ch.smtp_failure(error)
    assert type(failure) is kind and failure.reason


def test_a_notification_becomes_a_message_with_its_own_delivery_id() -> None:
    n = Notification(
        id="evt-9:dep-3:inbox",
        congress_id="c1",
        recipient_id="dep-3",
        channel="inbox",
        event_id="evt-9",
        event_type="intake.suggestion.registered.v1",
        case_id="s-9",
        subject="建议已登记",
        body="正文",
        link="https://portal/suggestions/s-9",
        created_at=NOW,
    )
    m = ch.message_for(n, d.Channel.SMS, "13800138000")
    assert m.delivery_id == "evt-9:dep-3:sms" and m.channel is d.Channel.SMS
    assert (m.congress_id, m.recipient_id, m.subject, m.body, m.link) == ("c1", "dep-3", "建议已登记", "正文", n.link)
    assert message("sms").channel is d.Channel.SMS  # a plain string is taken as the channel
    with pytest.raises(ValueError):
        message("fax")


# --- the schedule --------------------------------------------------------------------------------


def test_the_retry_schedule() -> None:
    waits = []
    made = 1
    while (nxt := d.next_attempt_at(made, now=NOW)) is not None:
        waits.append(nxt - NOW)
        made += 1
    assert waits == [
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(minutes=30),
        timedelta(hours=2),
    ]
    assert made == d.MAX_ATTEMPTS == 6  # the 6th attempt failing is the end
    assert d.next_attempt_at(0, now=NOW) == NOW
    assert d.next_attempt_at(2, now=NOW, max_attempts=2) is None
    # a schedule shorter than the attempts repeats its last delay
    assert d.next_attempt_at(4, now=NOW, max_attempts=9, delays=(timedelta(seconds=1),)) == NOW + timedelta(seconds=1)
    assert d.gave_up_reason(6, "SMTP 421 busy") == "gave up after 6 attempts; last error: SMTP 421 busy"
    assert d.delivery_id("evt-1", "unit:u-1", "email") == "evt-1:unit:u-1:email"
    assert d.LEASE.total_seconds() > d.SEND_TIMEOUT_SECONDS


def test_an_attempt_as_stored() -> None:
    a = d.Attempt(at=NOW, outcome=d.Outcome.TEMPORARY, error="x" * 900, duration_ms=12)
    stored = a.as_doc()
    assert stored["outcome"] == "temporary_failure" and len(str(stored["error"])) == d.ERROR_CHARS
    assert stored["provider_id"] is None
