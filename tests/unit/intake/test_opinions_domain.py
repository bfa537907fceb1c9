"""Constituents' opinions at liaison stations (代表联络站): recording, taking up, closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.intake.opinions import (
    CODE_ALPHABET,
    SUMMARY_LEN,
    TEXT_MAX,
    TEXT_MIN,
    Channel,
    Constituent,
    Opinion,
    OpinionStatus,
    close,
    record,
    suggestion_id_for,
    take_up,
    tracking_code,
)
from shared.contracts.intake import DeputyRef, OpinionRecorded, OpinionTakenUp
from shared.errors import Conflict, Invalid

NOW = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=5)
TEXT = "村里到镇上的公交车一天只有两班，老人看病买药很不方便，希望增加班次。"
DEPUTY = DeputyRef(id="d-1", name="屠永芳", delegation="城关代表团")
OTHER = DeputyRef(id="d-2", name="李明")


def _record(**overrides: Any) -> Opinion:
    args: dict[str, Any] = {
        "congress_id": "city-15",
        "station_id": "st-1",
        "station_name": " 城关镇代表联络站 ",
        "text": TEXT,
        "channel": Channel.VISIT,
        "anonymous": False,
        "name": " 王大爷 ",
        "phone": " 13800000000 ",
        "by": "station-staff",
        "now": NOW,
    }
    args.update(overrides)
    return record(**args)


# --------------------------------------------------------------------------- record


def test_record_trims_and_opens_the_opinion() -> None:
    o = _record(text=f"  {TEXT}\n")
    assert o.text == TEXT
    assert o.station_name == "城关镇代表联络站"
    assert o.constituent == Constituent(anonymous=False, name="王大爷", phone="13800000000")
    assert o.status is OpinionStatus.OPEN
    assert (o.recorded_by, o.recorded_at, o.channel) == ("station-staff", NOW, Channel.VISIT)
    assert o.suggestion_id is None


def test_record_announces_the_opinion() -> None:
    o = _record()
    assert len(o.events) == 1
    event = o.events[0]
    assert isinstance(event, OpinionRecorded)
    assert event.opinion_id == o.id
    assert (event.congress_id, event.station_id, event.station_name) == ("city-15", "st-1", "城关镇代表联络站")
    assert event.summary == TEXT
    assert event.anonymous is False
    assert event.recorded_at == NOW


def test_each_opinion_gets_its_own_id() -> None:
    assert _record().id != _record().id


def test_text_too_short_after_trimming() -> None:
    with pytest.raises(Invalid) as info:
        _record(text="  " + "字" * (TEXT_MIN - 1) + "   ")
    assert info.value.code == "opinion.text_too_short"


def test_text_at_both_limits_is_fine() -> None:
    assert len(_record(text="字" * TEXT_MIN).text) == TEXT_MIN
    assert len(_record(text="字" * TEXT_MAX).text) == TEXT_MAX


def test_text_too_long() -> None:
    with pytest.raises(Invalid) as info:
        _record(text="字" * (TEXT_MAX + 1))
    assert info.value.code == "opinion.text_too_long"


def test_a_named_constituent_needs_a_name_or_a_phone() -> None:
    with pytest.raises(Invalid) as info:
        _record(name="  ", phone=" ")
    assert info.value.code == "opinion.contact_missing"


@pytest.mark.parametrize("name, phone", [("王大爷", ""), ("", "13800000000")], ids=["name", "phone"])
def test_either_a_name_or_a_phone_is_enough(name: str, phone: str) -> None:
    assert _record(name=name, phone=phone).constituent == Constituent(anonymous=False, name=name, phone=phone)


def test_an_anonymous_constituent_leaves_no_name_or_phone() -> None:
    o = _record(anonymous=True, name="王大爷", phone="13800000000")
    assert o.constituent == Constituent(anonymous=True, name="", phone="")
    assert o.events[0].anonymous is True


def test_an_anonymous_opinion_needs_no_contact() -> None:
    assert _record(anonymous=True, name="", phone="").constituent.anonymous is True


def test_the_tracking_code_is_ten_characters_a_constituent_cannot_misread() -> None:
    codes = {tracking_code() for _ in range(300)} | {_record().tracking_code}
    assert len(codes) > 250  # random, not a constant
    for code in codes:
        assert len(code) == 10
        assert set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("0O1IL")


def test_the_code_alphabet_leaves_out_look_alikes() -> None:
    assert not set(CODE_ALPHABET) & set("0O1IL")
    assert set(CODE_ALPHABET) >= set("23456789")


def test_the_summary_is_cut_after_60_characters() -> None:
    long = "字" * SUMMARY_LEN + "尾巴"
    o = _record(text=long)
    assert SUMMARY_LEN == 60
    assert o.summary == "字" * SUMMARY_LEN + "…"
    assert o.events[0].summary == "字" * SUMMARY_LEN + "…"
    assert o.text == long


def test_a_summary_of_exactly_60_characters_is_not_cut() -> None:
    assert _record(text="字" * SUMMARY_LEN).summary == "字" * SUMMARY_LEN


# --------------------------------------------------------------------------- take_up


def test_take_up_links_a_draft_and_announces_it() -> None:
    o = _record()
    taken = take_up(o, deputy=DEPUTY, now=LATER)
    assert taken.status is OpinionStatus.TAKEN_UP
    assert taken.taken_up_by == DEPUTY
    assert taken.taken_up_at == LATER
    assert taken.suggestion_id == suggestion_id_for(o.id)
    assert taken.revision == o.revision + 1
    assert len(taken.events) == 1
    event = taken.events[0]
    assert isinstance(event, OpinionTakenUp)
    assert (event.opinion_id, event.deputy, event.suggestion_id) == (o.id, DEPUTY, taken.suggestion_id)
    assert (event.congress_id, event.station_id, event.taken_up_at) == ("city-15", "st-1", LATER)


def test_the_draft_id_is_derived_from_the_opinion() -> None:
    assert suggestion_id_for("op-1") == suggestion_id_for("op-1")
    assert suggestion_id_for("op-1") != suggestion_id_for("op-2")


def test_taking_up_again_by_the_same_deputy_changes_nothing() -> None:
    taken = take_up(_record(), deputy=DEPUTY, now=NOW)
    again = take_up(taken, deputy=DEPUTY, now=LATER)
    assert again == taken
    assert again.taken_up_at == NOW
    assert again.events == ()


def test_another_deputy_cannot_take_up_a_taken_opinion() -> None:
    taken = take_up(_record(), deputy=DEPUTY, now=NOW)
    with pytest.raises(Conflict) as info:
        take_up(taken, deputy=OTHER, now=LATER)
    assert info.value.code == "opinion.taken_up"


def test_a_closed_opinion_cannot_be_taken_up() -> None:
    closed = close(_record(), note="已现场答复。")
    with pytest.raises(Conflict) as info:
        take_up(closed, deputy=DEPUTY, now=NOW)
    assert info.value.code == "opinion.closed"


# --------------------------------------------------------------------------- close


def test_close_keeps_the_note() -> None:
    o = _record()
    closed = close(o, note="  已转交镇政府处理。 ")
    assert closed.status is OpinionStatus.CLOSED
    assert closed.closing_note == "已转交镇政府处理。"
    assert closed.revision == o.revision + 1
    assert closed.events == ()


@pytest.mark.parametrize("note", ["", "   "], ids=["empty", "whitespace"])
def test_closing_needs_a_note(note: str) -> None:
    with pytest.raises(Invalid) as info:
        close(_record(), note=note)
    assert info.value.code == "opinion.closing_note_missing"


def test_only_an_open_opinion_can_be_closed() -> None:
    taken = take_up(_record(), deputy=DEPUTY, now=NOW)
    with pytest.raises(Conflict) as info:
        close(taken, note="已处理。")
    assert info.value.code == "opinion.not_open"
    closed = close(_record(), note="已处理。")
    with pytest.raises(Conflict) as info:
        close(closed, note="再次关闭。")
    assert info.value.code == "opinion.not_open"
