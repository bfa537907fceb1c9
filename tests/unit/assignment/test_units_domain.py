"""The unit registry's rules: what a unit's entry must hold, how it is tidied, when it changed, its event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from services.assignment.routing import UnitKind, UnitProfile
from services.assignment.units import (
    CONTACTS_MAX,
    DUTIES_MAX,
    NAME_MAX,
    TERM_MAX,
    TERMS_MAX,
    Unit,
    check_unit,
    define_unit,
    unit_changed,
    unit_updated,
)
from shared.contracts.assignment import UnitContact, UnitRef, UnitUpdated
from shared.errors import Invalid

AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
DUTIES = "负责全市学前教育、义务教育和高中教育的统筹管理，指导学校建设和教师队伍建设。"
TEACHER = UnitContact(id="u-edu-1", name="王老师", title="科长", phone="0571-87001234", email="wang@edu.gov.cn")


def _fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "congress_id": "city-15",
        "unit_id": "edu",
        "name": "市教育局",
        "kind": UnitKind.GOVERNMENT_DEPARTMENT,
        "coordinator": "市政府督查室",
        "duties": DUTIES,
        "keywords": ["学校", "幼儿园"],
        "aliases": ["教育部门"],
        "contacts": [TEACHER],
        "active": True,
        "updated_at": AT,
    }
    return {**fields, **overrides}


def _unit(**overrides: Any) -> Unit:
    return define_unit(**_fields(**overrides))


def _codes(**overrides: Any) -> list[str]:
    unit, problems = check_unit(**_fields(**overrides))
    assert unit is None
    return [p.code for p in problems]


# --------------------------------------------------------------------------- a good entry


def test_a_unit_is_defined_with_tidy_text_and_terms_without_blanks_or_repeats() -> None:
    unit = _unit(
        name="  市教育局 ",
        coordinator=" 市政府督查室",
        duties=f"\n{DUTIES}  ",
        keywords=["学校", " 幼儿园 ", "", "学校"],
        aliases=["教育部门", "  ", "教育局"],
        contacts=[
            UnitContact(id=" u-edu-1 ", name=" 王老师", phone="０５７１-８７００１２３４", email="ｗａｎｇ@edu.gov.cn ")
        ],
    )
    assert unit == Unit(
        congress_id="city-15",
        id="edu",
        name="市教育局",
        kind=UnitKind.GOVERNMENT_DEPARTMENT,
        coordinator="市政府督查室",
        duties=DUTIES,
        keywords=("学校", "幼儿园"),
        aliases=("教育部门", "教育局"),
        contacts=(UnitContact(id="u-edu-1", name="王老师", phone="0571-87001234", email="wang@edu.gov.cn"),),
        active=True,
        updated_at=AT,
    )


def test_a_unit_without_contacts_coordinator_keywords_or_aliases_is_allowed() -> None:
    unit = _unit(coordinator="", keywords=[], aliases=[], contacts=[])
    assert (unit.coordinator, unit.keywords, unit.aliases, unit.contacts) == ("", (), (), ())


def test_the_limits_themselves_are_allowed() -> None:
    unit = _unit(
        name="局" * NAME_MAX,
        duties=("负责教育" * DUTIES_MAX)[:DUTIES_MAX],
        keywords=[f"{n:03d}" + "词" * (TERM_MAX - 3) for n in range(TERMS_MAX)],
        aliases=[f"别称{n}" for n in range(TERMS_MAX)],
        contacts=[UnitContact(id=f"c{n}") for n in range(CONTACTS_MAX)],
    )
    assert len(unit.keywords) == TERMS_MAX
    assert len(unit.contacts) == CONTACTS_MAX


def test_profile_ref_and_contacts() -> None:
    unit = _unit()
    assert unit.profile() == UnitProfile(
        id="edu",
        name="市教育局",
        kind=UnitKind.GOVERNMENT_DEPARTMENT,
        duties=DUTIES,
        keywords=("学校", "幼儿园"),
        aliases=("教育部门",),
        coordinator="市政府督查室",
    )
    assert unit.ref("lead") == UnitRef(unit_id="edu", name="市教育局", role="lead")
    assert unit.ref("co").role == "co"
    assert unit.is_contact("u-edu-1")
    assert not unit.is_contact("u-edu-2")
    assert not _unit(contacts=[]).is_contact("u-edu-1")


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"unit_id": ""}, "unit.id_invalid"),
        ({"unit_id": "教育局"}, "unit.id_invalid"),
        ({"unit_id": "e" * 65}, "unit.id_invalid"),
        ({"kind": None}, "unit.kind_required"),
        ({"name": "  "}, "unit.name_required"),
        ({"name": "局" * (NAME_MAX + 1)}, "unit.name_too_long"),
        ({"coordinator": "室" * 101}, "unit.coordinator_too_long"),
        ({"duties": ""}, "unit.duties_required"),
        ({"duties": "责" * (DUTIES_MAX + 1)}, "unit.duties_too_long"),
        ({"keywords": [f"k{n}" for n in range(TERMS_MAX + 1)]}, "unit.keywords_too_many"),
        ({"keywords": ["词" * (TERM_MAX + 1)]}, "unit.keyword_too_long"),
        ({"aliases": [f"a{n}" for n in range(TERMS_MAX + 1)]}, "unit.aliases_too_many"),
        ({"aliases": ["称" * (TERM_MAX + 1)]}, "unit.alias_too_long"),
        ({"contacts": [UnitContact(id=f"c{n}") for n in range(CONTACTS_MAX + 1)]}, "unit.contacts_too_many"),
        ({"contacts": [UnitContact(id=" ", name="王老师")]}, "unit.contact_id_required"),
        ({"contacts": [UnitContact(id="王 老师")]}, "unit.contact_id_invalid"),
        ({"contacts": [UnitContact(id="c" * 65)]}, "unit.contact_id_invalid"),
        ({"contacts": [TEACHER, UnitContact(id="u-edu-1", name="另一人")]}, "unit.contact_duplicate"),
        ({"contacts": [UnitContact(id="c1", name="名" * 51)]}, "unit.contact_name_too_long"),
        ({"contacts": [UnitContact(id="c1", title="职" * 51)]}, "unit.contact_title_too_long"),
        ({"contacts": [UnitContact(id="c1", phone="0571-8700 转 12")]}, "unit.contact_phone_invalid"),
        ({"contacts": [UnitContact(id="c1", phone="--")]}, "unit.contact_phone_invalid"),
        ({"contacts": [UnitContact(id="c1", phone="1" * 31)]}, "unit.contact_phone_invalid"),
        ({"contacts": [UnitContact(id="c1", email="wang.edu.gov.cn")]}, "unit.contact_email_invalid"),
    ],
)
def test_each_rule_has_its_code(overrides: dict[str, Any], code: str) -> None:
    assert _codes(**overrides) == [code]
    with pytest.raises(Invalid) as caught:
        _unit(**overrides)
    assert caught.value.code == code
    assert caught.value.status_code == 422


def test_define_unit_names_the_first_problem_and_lists_them_all() -> None:
    with pytest.raises(Invalid) as caught:
        _unit(
            name="",
            duties="",
            contacts=[TEACHER, UnitContact(id="c2", email="nope"), UnitContact(id="u-edu-1")],
        )
    assert caught.value.code == "unit.name_required"
    assert caught.value.details["field"] == "name"
    assert caught.value.details["problems"] == [
        {"field": "name", "code": "unit.name_required", "message": "The unit's name is required."},
        {"field": "duties", "code": "unit.duties_required", "message": "The unit's duties (职责) are required."},
        {
            "field": "contacts.email",
            "code": "unit.contact_email_invalid",
            "message": "'nope' is not an e-mail address.",
            "index": 1,
        },
        {
            "field": "contacts.id",
            "code": "unit.contact_duplicate",
            "message": "The contact u-edu-1 is listed twice.",
            "index": 2,
        },
    ]


def test_a_unit_routing_could_never_match_is_refused() -> None:
    """Words every 三定 text uses are no evidence; a unit of nothing else would break its congress's router."""
    assert _codes(name="部门", duties="负责有关工作。", keywords=[], aliases=[]) == ["unit.no_terms"]


# --------------------------------------------------------------------------- change and event


def test_a_new_unit_is_a_change() -> None:
    assert unit_changed(None, _unit())


def test_the_same_entry_stamped_later_is_no_change() -> None:
    assert not unit_changed(_unit(), _unit(updated_at=datetime(2026, 1, 1, tzinfo=UTC)))
    assert not unit_changed(_unit(updated_at=None), _unit())


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "市教育局（市语委）"},
        {"kind": UnitKind.PARTY_MASS_ORGANISATION},
        {"coordinator": "市委督查室"},
        {"duties": DUTIES + "负责语言文字工作。"},
        {"keywords": ["幼儿园", "学校"]},
        {"aliases": []},
        {"contacts": [TEACHER.model_copy(update={"phone": "13800000000"})]},
        {"contacts": []},
        {"active": False},
    ],
)
def test_any_field_that_differs_is_a_change(overrides: dict[str, Any]) -> None:
    assert unit_changed(_unit(), _unit(**overrides))


def test_the_event_says_who_acts_for_the_unit_and_whether_it_is_active() -> None:
    event = unit_updated(_unit(active=False))
    assert event == UnitUpdated(
        congress_id="city-15",
        unit_id="edu",
        name="市教育局",
        kind="government_department",
        coordinator="市政府督查室",
        contacts=[TEACHER],
        active=False,
        updated_at=AT,
    )
    assert event.event_type == "assignment.unit.updated.v1"


def test_an_unstamped_unit_has_no_event() -> None:
    with pytest.raises(ValueError, match="updated_at"):
        unit_updated(replace(_unit(), updated_at=None))
