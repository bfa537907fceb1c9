"""Congresses in intake's directory: ids, parents (转报上级人大 needs them), sessions and fields."""

from __future__ import annotations

from typing import Any

import pytest

from services.intake.directory import (
    DEFAULT_FIELDS,
    Congress,
    Deputy,
    Level,
    define_congress,
    deputy_changed,
)
from shared.errors import Invalid

PROVINCE = Congress(
    id="province-14",
    name="某某省人民代表大会",
    level=Level.PROVINCE,
    parent_id=None,
    term=14,
    session="14-3",
    session_name="省十四届人大三次会议",
)
CITY = Congress(
    id="city-15",
    name="某某市人民代表大会",
    level=Level.CITY,
    parent_id="province-14",
    term=15,
    session="15-2",
    session_name="市十五届人大二次会议",
)
COUNTY = Congress(
    id="county-7",
    name="某某县人民代表大会",
    level=Level.COUNTY,
    parent_id="city-15",
    term=7,
    session="7-1",
    session_name="",
)
TOWNSHIP = Congress(
    id="town-3",
    name="某某镇人民代表大会",
    level=Level.TOWNSHIP,
    parent_id="county-7",
    term=3,
    session="3-1",
    session_name="",
)


def _define(**overrides: Any) -> Congress:
    args: dict[str, Any] = {
        "congress_id": "city-15",
        "name": " 某某市人民代表大会 ",
        "level": Level.CITY,
        "parent": PROVINCE,
        "parent_id": "province-14",
        "term": 15,
        "session": "15-2",
        "session_name": " 市十五届人大二次会议 ",
        "fields": None,
    }
    args.update(overrides)
    return define_congress(**args)


def test_define_a_congress() -> None:
    c = _define()
    assert c == Congress(
        id="city-15",
        name="某某市人民代表大会",
        level=Level.CITY,
        parent_id="province-14",
        term=15,
        session="15-2",
        session_name="市十五届人大二次会议",
        fields=DEFAULT_FIELDS,
    )


@pytest.mark.parametrize("congress_id", ["city-15", "a", "cn.henan:anyang_15", "x" * 64])
def test_accepted_ids(congress_id: str) -> None:
    assert _define(congress_id=congress_id).id == congress_id


@pytest.mark.parametrize("congress_id", ["", "city 15", "市人大", "city/15", "x" * 65, "\ncity-15"])
def test_refused_ids(congress_id: str) -> None:
    with pytest.raises(Invalid) as info:
        _define(congress_id=congress_id)
    assert info.value.code == "congress.id_invalid"


@pytest.mark.parametrize("change", [{"congress_id": "city-15\n"}, {"session": "15-2\n"}], ids=["id", "session"])
def test_a_trailing_newline_is_refused(change: dict[str, str]) -> None:
    with pytest.raises(Invalid):
        _define(**change)


def test_a_congress_cannot_be_its_own_parent() -> None:
    with pytest.raises(Invalid) as info:
        _define(congress_id="province-14", level=Level.PROVINCE, parent=PROVINCE, parent_id="province-14")
    assert info.value.code == "congress.parent_is_self"


def test_the_parent_must_be_known() -> None:
    with pytest.raises(Invalid) as info:
        _define(parent=None, parent_id="province-99")
    assert info.value.code == "congress.parent_unknown"


def test_a_parent_in_another_suite_is_named_with_its_level() -> None:
    c = _define(parent=None, parent_id="province-99", parent_level=Level.PROVINCE)
    assert c.parent_id == "province-99"
    with pytest.raises(Invalid) as info:
        _define(parent=None, parent_id="county-9", parent_level=Level.COUNTY)
    assert info.value.code == "congress.parent_level"


@pytest.mark.parametrize(
    "level, parent",
    [(Level.CITY, CITY), (Level.CITY, COUNTY), (Level.PROVINCE, PROVINCE), (Level.COUNTY, TOWNSHIP)],
    ids=["same-level", "lower-level", "province-under-province", "county-under-township"],
)
def test_the_parent_must_be_of_a_higher_level(level: Level, parent: Congress) -> None:
    with pytest.raises(Invalid) as info:
        _define(congress_id="c-new", level=level, parent=parent, parent_id=parent.id)
    assert info.value.code == "congress.parent_level"


@pytest.mark.parametrize(
    "level, parent",
    [(Level.CITY, PROVINCE), (Level.COUNTY, CITY), (Level.COUNTY, PROVINCE), (Level.TOWNSHIP, COUNTY)],
    ids=["city-under-province", "county-under-city", "county-under-province", "township-under-county"],
)
def test_a_parent_of_a_higher_level_is_accepted(level: Level, parent: Congress) -> None:
    assert _define(congress_id="c-new", level=level, parent=parent, parent_id=parent.id).parent_id == parent.id


def test_a_top_congress_has_no_parent() -> None:
    c = _define(congress_id="province-14", level=Level.PROVINCE, parent=None, parent_id=None)
    assert c.parent_id is None


@pytest.mark.parametrize("session", ["15-2", "2025", "A-1"])
def test_accepted_session_codes(session: str) -> None:
    assert _define(session=session).session == session


@pytest.mark.parametrize("session", ["", "15 2", "十五届二次", "15/2", "1" * 21])
def test_refused_session_codes(session: str) -> None:
    with pytest.raises(Invalid) as info:
        _define(session=session)
    assert info.value.code == "congress.session_invalid"


def test_fields_default_to_the_usual_set() -> None:
    assert _define(fields=None).fields == DEFAULT_FIELDS
    assert "城乡建设" in DEFAULT_FIELDS


def test_fields_are_trimmed_and_deduplicated_in_order() -> None:
    c = _define(fields=[" 城乡建设", "社会保障", "城乡建设 ", "", "  ", "交通运输", "社会保障"])
    assert c.fields == ("城乡建设", "社会保障", "交通运输")


def test_fields_of_only_blanks_are_refused() -> None:
    with pytest.raises(Invalid) as info:
        _define(fields=["", "  ", "\t"])
    assert info.value.code == "congress.fields_empty"


def test_deputy_changed() -> None:
    d = Deputy(congress_id="city-15", id="d-1", name="屠永芳", delegation="城关代表团")
    assert deputy_changed(None, d)
    assert not deputy_changed(d, Deputy(congress_id="city-15", id="d-1", name="屠永芳", delegation="城关代表团"))
    assert deputy_changed(d, Deputy(congress_id="city-15", id="d-1", name="屠永芳", delegation="东区代表团"))
    assert deputy_changed(
        d, Deputy(congress_id="city-15", id="d-1", name="屠永芳", delegation="城关代表团", active=False)
    )
