"""Notify: who learns that a suggestion is registered, in which words, and under which ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notify.domain import INBOX, Notification, notification_id, on_registered
from shared.contracts.intake import DeputyRef, SuggestionRegistered

NOW = datetime(2025, 1, 20, 8, 0, tzinfo=UTC)
EVENT_ID = "0b7c5f1e-6a3d-4c55-9c1e-2f6f8f0a1b2c"
TITLE = "关于加快老旧小区加装电梯的建议"


def _event(co_signers: list[DeputyRef] | None = None) -> SuggestionRegistered:
    return SuggestionRegistered(
        suggestion_id="s-123",
        congress_id="city-15",
        session="15-2",
        title=TITLE,
        field="城乡建设",
        kind="session",
        origin="deputy",
        lead_deputy=DeputyRef(id="d-1", name="屠永芳"),
        co_signers=[DeputyRef(id="d-2", name="李四"), DeputyRef(id="d-3", name="王五")]
        if co_signers is None
        else co_signers,
        number="15-2-0007",
        sequence=7,
        registered_at=NOW,
        registered_by="staff-9",
    )


def _notify(
    event: SuggestionRegistered | None = None, portal_url: str = "https://portal.example.cn"
) -> list[Notification]:
    return on_registered(event or _event(), event_id=EVENT_ID, portal_url=portal_url, now=NOW)


def test_notification_id_combines_event_person_and_channel() -> None:
    assert notification_id("e-1", "d-1", "inbox") == "e-1:d-1:inbox"
    assert notification_id("e-1", "d-1", "inbox") != notification_id("e-2", "d-1", "inbox")
    assert notification_id("e-1", "d-1", "inbox") != notification_id("e-1", "d-2", "inbox")
    assert notification_id("e-1", "d-1", "inbox") != notification_id("e-1", "d-1", "sms")


def test_lead_deputy_and_each_co_signer_get_one_inbox_notification() -> None:
    out = _notify()
    assert [n.recipient_id for n in out] == ["d-1", "d-2", "d-3"]
    assert all(n.channel == INBOX == "inbox" for n in out)


def test_lead_deputy_is_told_in_the_lead_wording() -> None:
    lead = _notify()[0]
    assert lead.recipient_id == "d-1"
    assert lead.subject == "建议已登记"
    assert lead.body == "您领衔提出的《关于加快老旧小区加装电梯的建议》已登记，编号15-2-0007。"


def test_co_signers_are_told_in_the_co_signer_wording() -> None:
    for n in _notify()[1:]:
        assert n.subject == "建议已登记"
        assert n.body == "您附议的《关于加快老旧小区加装电梯的建议》已登记，编号15-2-0007。"


def test_notifications_carry_the_event_case_and_congress() -> None:
    for n in _notify():
        assert n.id == notification_id(EVENT_ID, n.recipient_id, INBOX)
        assert n.event_id == EVENT_ID
        assert n.event_type == "intake.suggestion.registered.v1"
        assert n.case_id == "s-123"
        assert n.congress_id == "city-15"
        assert n.created_at == NOW


def test_the_same_event_gives_the_same_ids_so_redelivery_cannot_double() -> None:
    first = _notify()
    again = on_registered(_event(), event_id=EVENT_ID, portal_url="https://portal.example.cn", now=datetime.now(UTC))
    assert [n.id for n in first] == [n.id for n in again]
    assert len({n.id for n in first}) == len(first)


def test_another_event_gives_other_ids() -> None:
    first = _notify()
    other = on_registered(_event(), event_id="another-event", portal_url="https://portal.example.cn", now=NOW)
    assert not {n.id for n in first} & {n.id for n in other}


def test_a_suggestion_without_co_signers_notifies_only_the_lead() -> None:
    out = _notify(_event(co_signers=[]))
    assert [n.recipient_id for n in out] == ["d-1"]


def test_a_lead_listed_among_co_signers_is_told_once() -> None:
    out = _notify(_event(co_signers=[DeputyRef(id="d-1", name="屠永芳"), DeputyRef(id="d-2")]))
    assert [n.recipient_id for n in out] == ["d-1", "d-2"]
    assert "领衔" in out[0].body


def test_a_co_signer_listed_twice_is_told_once() -> None:
    out = _notify(_event(co_signers=[DeputyRef(id="d-2", name="李四"), DeputyRef(id="d-2", name="李四")]))
    assert [n.recipient_id for n in out] == ["d-1", "d-2"]


@pytest.mark.parametrize(
    ("portal_url", "link"),
    [
        ("https://portal.example.cn", "https://portal.example.cn/suggestions/s-123"),
        ("https://portal.example.cn/", "https://portal.example.cn/suggestions/s-123"),
        ("https://rd.example.cn/portal/", "https://rd.example.cn/portal/suggestions/s-123"),
    ],
    ids=["bare", "trailing-slash", "with-path"],
)
def test_link_points_at_the_case_without_a_double_slash(portal_url: str, link: str) -> None:
    for n in _notify(portal_url=portal_url):
        assert n.link == link
        assert "//" not in n.link.split("://", 1)[1]


def test_a_returned_suggestion_tells_the_lead_deputy_why() -> None:
    from datetime import UTC, datetime

    from services.notify.domain import on_returned
    from shared.contracts.intake import DeputyRef, SuggestionReturned

    event = SuggestionReturned(
        suggestion_id="s-1",
        congress_id="c1",
        session="15-2",
        title="关于加强城区停车设施建设的建议",
        field="城乡建设",
        kind="session",
        origin="deputy",
        lead_deputy=DeputyRef(id="d-1", name="张三"),
        co_signers=[DeputyRef(id="d-2", name="李四")],
        reason_code="too_broad",
        reason_text="请具体说明措施。",
        returned_at=datetime.now(UTC),
        returned_by="staff-1",
    )
    out = on_returned(event, event_id="e-9", portal_url="http://portal/", now=datetime.now(UTC))
    assert [n.recipient_id for n in out] == ["d-1"]
    assert (
        out[0].body
        == "您领衔提出的《关于加强城区停车设施建设的建议》已退回，原因：内容宽泛。请具体说明措施。 请修改后重新提交。"
    )
    assert out[0].link == "http://portal/suggestions/s-1"


def test_deputies_asked_to_co_sign_are_each_told_once() -> None:
    from datetime import UTC, datetime

    from services.notify.domain import on_co_signing_requested
    from shared.contracts.intake import DeputyRef, SuggestionCoSigningRequested

    asked = [DeputyRef(id="d-2", name="李四"), DeputyRef(id="d-3", name="王五"), DeputyRef(id="d-2", name="李四")]
    event = SuggestionCoSigningRequested(
        suggestion_id="s-1",
        congress_id="c1",
        session="15-2",
        title="",
        field="",
        kind="session",
        origin="deputy",
        lead_deputy=DeputyRef(id="d-1", name="张三"),
        requested=asked,
    )
    out = on_co_signing_requested(event, event_id="e-1", portal_url="http://portal", now=datetime.now(UTC))
    assert [n.recipient_id for n in out] == ["d-2", "d-3"]
    assert out[0].body == "张三代表邀请您联名附议《（未命名草稿）》，请确认或谢绝。"
    assert len({n.id for n in out}) == 2
