"""The unit registry over HTTP: staff add, edit, deactivate and import units; each real change is announced once.

Real SecantusDB/MongoDB and RabbitMQ; every test makes its own congress.
"""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import openpyxl
import pytest
from assignment_support import Suite

from shared.auth import Role
from shared.testing.helpers import eventually, token

pytestmark = pytest.mark.asyncio(loop_scope="module")

UPDATED = "assignment.unit.updated.v1"
HEADER = [
    "单位编号",
    "单位名称",
    "单位类别",
    "督查室",
    "职责",
    "关键词",
    "简称",
    "联系人编号",
    "联系人",
    "职务",
    "电话",
    "邮箱",
]
EDU_DUTIES = "负责全市学前教育、义务教育和高中教育的统筹管理，指导学校建设、招生入学和教师队伍建设。"
TRAFFIC_DUTIES = "负责道路交通安全管理，维护交通秩序，处理交通事故，管理机动车和驾驶人，规划设置交通信号灯。"
COURT_DUTIES = "依法审理刑事、民事、行政案件，执行生效裁判，开展诉源治理和多元解纷。"
TABLE: list[list[Any]] = [
    HEADER,
    ["edu", "市教育局", "政府部门", "市政府督查室", EDU_DUTIES, "学校、幼儿园、教师", "教育部门 教育局",
     "u-edu-1", "王老师", "科长", "0571-87001234", "wang@edu.gov.cn"],
    ["", "", "", "", "", "", "", "u-edu-2", "李老师", "", "13800000000", ""],
    ["traffic", "市公安局交通警察支队", "垂直管理单位", "市政府督查室", TRAFFIC_DUTIES, "红绿灯 停车 违章", "交警",
     "u-traffic-1", "赵警官", "", "", ""],
    ["court", "市中级人民法院", "法院", "", COURT_DUTIES, "", "中院", "", "", "", "", ""],
]  # fmt: skip


def _edu(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "市教育局",
        "kind": "government_department",
        "coordinator": "市政府督查室",
        "duties": EDU_DUTIES,
        "keywords": ["学校", "幼儿园"],
        "aliases": ["教育部门"],
        "contacts": [{"id": "u-edu-1", "name": "王老师", "title": "科长", "phone": "0571-87001234"}],
    }
    return {**body, **overrides}


def _csv(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def _import(suite: Suite, congress: str, data: bytes, filename: str, **headers: str) -> Any:
    kind = (
        "text/csv" if filename.endswith(".csv") else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return await suite.client.post(
        "/units/import", headers=headers or suite.staff(congress), files={"file": (filename, data, kind)}
    )


async def _updates(suite: Suite, congress: str, n: int) -> list[dict[str, Any]]:
    """The congress's unit events once there are n of them (and then no more for a moment)."""

    async def arrived() -> list[dict[str, Any]]:
        events = await suite.tap.events(congress, UPDATED)
        assert len(events) >= n, events
        return events

    await eventually(arrived)
    await asyncio.sleep(1.0)  # the relay polls every 0.5 s here: anything written would be out by now
    events = await suite.tap.events(congress, UPDATED)
    assert len(events) == n, [e["data"] for e in events]
    return events


async def _docs(suite: Suite, congress: str) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = await suite.db.units.find({"congress_id": congress}).sort("unit_id", 1).to_list()
    return docs


# --------------------------------------------------------------------------- one unit at a time


async def test_staff_create_edit_and_deactivate_a_unit_each_change_announced_once(suite: Suite) -> None:
    congress = suite.new_congress()
    staff = suite.staff(congress)

    created = await suite.client.put("/units/edu", headers=staff, json=_edu(keywords=[" 学校", "幼儿园", "学校"]))
    assert created.status_code == 200, created.text
    body = created.json()
    assert body == {
        "id": "edu",
        "name": "市教育局",
        "kind": "government_department",
        "coordinator": "市政府督查室",
        "duties": EDU_DUTIES,
        "keywords": ["学校", "幼儿园"],
        "aliases": ["教育部门"],
        "contacts": [
            {"id": "u-edu-1", "name": "王老师", "title": "科长", "phone": "0571-87001234", "email": ""},
        ],
        "active": True,
        "updated_at": body["updated_at"],
    }
    assert (await suite.client.get("/units/edu", headers=staff)).json() == body

    again = await suite.client.put("/units/edu", headers=staff, json=_edu())
    assert again.json() == body  # unchanged: not written, not announced

    contacts = [*_edu()["contacts"], {"id": "u-edu-2", "name": "李老师", "email": "li@edu.gov.cn"}]
    edited = await suite.client.put("/units/edu", headers=staff, json=_edu(contacts=contacts))
    assert [c["id"] for c in edited.json()["contacts"]] == ["u-edu-1", "u-edu-2"]

    deactivated = await suite.client.put("/units/edu", headers=staff, json=_edu(contacts=contacts, active=False))
    assert deactivated.json()["active"] is False
    listed = await suite.client.get("/units", headers=staff, params={"active": "false"})
    assert [u["id"] for u in listed.json()["data"]] == ["edu"]
    assert (await suite.client.get("/units", headers=staff, params={"active": "true"})).json() == {
        "data": [],
        "count": 0,
    }

    events = await _updates(suite, congress, 3)
    assert [e["subject"] for e in events] == ["unit:edu"] * 3
    assert [(len(e["data"]["contacts"]), e["data"]["active"]) for e in events] == [(1, True), (2, True), (2, False)]
    assert events[0]["data"] == {
        "congress_id": congress,
        "unit_id": "edu",
        "name": "市教育局",
        "kind": "government_department",
        "coordinator": "市政府督查室",
        "contacts": [
            {"id": "u-edu-1", "name": "王老师", "title": "科长", "phone": "0571-87001234", "email": ""},
        ],
        "active": True,
        "updated_at": events[0]["data"]["updated_at"],
    }
    [doc] = await _docs(suite, congress)
    assert doc["_id"] == f"{congress}:edu"
    assert doc["outbox"] == [] and "outbox_since" not in doc


async def test_a_new_unit_is_proposed_at_once(suite: Suite) -> None:
    """Changing the registry drops the congress's cached router: the next proposal sees the change."""
    congress = suite.new_congress()
    staff = suite.staff(congress)
    await suite.client.put("/units/edu", headers=staff, json=_edu())
    case_id = await suite.register(
        congress, title="关于增设学校周边交通信号灯的建议", body="上学高峰拥堵，建议增设红绿灯，交警加强疏导。"
    )
    before = await suite.client.get(f"/cases/{case_id}/proposal", headers=staff)
    assert before.status_code == 200, before.text
    assert [p["unit_id"] for p in before.json()["leads"]] == ["edu"]

    traffic = _edu(name="市公安局交通警察支队", kind="vertically_managed", duties=TRAFFIC_DUTIES, keywords=["红绿灯"])
    await suite.client.put("/units/traffic", headers=staff, json={**traffic, "aliases": ["交警"], "contacts": []})
    after = await suite.client.get(f"/cases/{case_id}/proposal", headers=staff)
    assert after.json()["leads"][0]["unit_id"] == "traffic"


async def test_list_filters_by_kind_active_and_name(suite: Suite) -> None:
    congress = suite.new_congress()
    assert (await _import(suite, congress, _csv(TABLE), "units.csv")).status_code == 200
    staff = suite.staff(congress)

    async def ids(**params: Any) -> tuple[list[str], int]:
        response = await suite.client.get("/units", headers=staff, params=params)
        assert response.status_code == 200, response.text
        return [u["id"] for u in response.json()["data"]], response.json()["count"]

    assert await ids() == (["court", "edu", "traffic"], 3)
    assert await ids(kind="court") == (["court"], 1)
    assert await ids(q="公安") == (["traffic"], 1)
    assert await ids(q="市", skip=1, limit=1) == (["edu"], 3)
    assert await ids(q="(") == ([], 0)  # a name fragment, not a pattern
    await suite.client.put("/units/court", headers=staff, json=_edu(name="市中级人民法院", kind="court", active=False))
    assert await ids(active=True) == (["edu", "traffic"], 2)


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("单位名录.csv", _csv(TABLE, "utf-8-sig")),
        ("单位名录.csv", _csv(TABLE, "gbk")),
        ("单位名录.xlsx", _xlsx([["2025年承办单位名录"], *TABLE])),
    ],
    ids=["csv-utf8-bom", "csv-gbk", "xlsx"],
)
async def test_staff_import_units_from_csv_or_xlsx(suite: Suite, filename: str, data: bytes) -> None:
    congress = suite.new_congress()
    response = await _import(suite, congress, data, filename)
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 4, "units": 3, "created": 3, "updated": 0, "unchanged": 0}

    edu = (await suite.client.get("/units/edu", headers=suite.staff(congress))).json()
    assert edu["kind"] == "government_department"
    assert edu["keywords"] == ["学校", "幼儿园", "教师"]
    assert edu["aliases"] == ["教育部门", "教育局"]
    assert [(c["id"], c["name"], c["phone"]) for c in edu["contacts"]] == [
        ("u-edu-1", "王老师", "0571-87001234"),
        ("u-edu-2", "李老师", "13800000000"),
    ]
    traffic = (await suite.client.get("/units/traffic", headers=suite.staff(congress))).json()
    assert (traffic["kind"], traffic["aliases"]) == ("vertically_managed", ["交警"])
    events = await _updates(suite, congress, 3)
    assert sorted(e["data"]["unit_id"] for e in events) == ["court", "edu", "traffic"]


async def test_importing_the_same_file_again_writes_and_announces_nothing(suite: Suite) -> None:
    congress = suite.new_congress()
    await _import(suite, congress, _csv(TABLE), "units.csv")
    await _updates(suite, congress, 3)
    before = await _docs(suite, congress)

    again = await _import(suite, congress, _xlsx(TABLE), "units.xlsx")
    assert again.json() == {"rows": 4, "units": 3, "created": 0, "updated": 0, "unchanged": 3}
    await _updates(suite, congress, 3)
    assert await _docs(suite, congress) == before


async def test_a_changed_file_updates_only_what_changed_and_keeps_deactivated_units_inactive(suite: Suite) -> None:
    congress = suite.new_congress()
    staff = suite.staff(congress)
    await _import(suite, congress, _csv(TABLE), "units.csv")
    court = _edu(name="市中级人民法院", kind="court", coordinator="", duties=COURT_DUTIES, keywords=[])
    await suite.client.put(
        "/units/court", headers=staff, json={**court, "aliases": ["中院"], "contacts": [], "active": False}
    )

    changed = [row[:] for row in TABLE]
    changed[3][7:9] = ["u-traffic-2", "钱警官"]  # another contact for 交警
    response = await _import(suite, congress, _csv(changed), "units.csv")
    assert response.json() == {"rows": 4, "units": 3, "created": 0, "updated": 1, "unchanged": 2}
    assert (await suite.client.get("/units/court", headers=staff)).json()["active"] is False
    events = await _updates(suite, congress, 5)
    assert [e["data"]["contacts"][0]["id"] for e in events if e["data"]["unit_id"] == "traffic"] == [
        "u-traffic-1",
        "u-traffic-2",
    ]


async def test_a_bad_file_is_refused_whole_listing_every_problem(suite: Suite) -> None:
    congress = suite.new_congress()
    rows = [
        TABLE[0],
        TABLE[1],
        ["", "", "", "", "", "", "", "u-edu-1", "", "", "", "not-an-email"],
        ["traffic", "市公安局交通警察支队", "公安", "", TRAFFIC_DUTIES, "", "", "", "赵警官", "", "", ""],
        ["court", "", "法院", "", "", "", "", "", "", "", "", ""],
    ]
    response = await _import(suite, congress, _csv(rows, "gbk"), "units.csv")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import.rejected"
    assert [(e["row"], e["column"], e["code"]) for e in error["details"]["errors"]] == [
        (3, "联系人编号", "unit.contact_duplicate"),
        (3, "邮箱", "unit.contact_email_invalid"),
        (4, "单位类别", "import.bad_value"),
        (4, "联系人编号", "unit.contact_id_required"),
        (5, "单位名称", "unit.name_required"),
        (5, "职责", "unit.duties_required"),
    ]
    assert all(e["message"] for e in error["details"]["errors"])
    assert await _docs(suite, congress) == []
    listed = await suite.client.get("/units", headers=suite.staff(congress))
    assert listed.json() == {"data": [], "count": 0}


@pytest.mark.parametrize(
    ("filename", "data", "code"),
    [
        ("units.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "import.unsupported_format"),
        ("units.csv", b"", "import.empty"),
        ("units.csv", _csv([["名称", "职责"], ["市教育局", EDU_DUTIES]]), "import.missing_column"),
    ],
)
async def test_files_that_cannot_be_read_are_refused(suite: Suite, filename: str, data: bytes, code: str) -> None:
    congress = suite.new_congress()
    response = await _import(suite, congress, data, filename)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "import.rejected"
    assert response.json()["error"]["details"]["errors"][0]["code"] == code


# --------------------------------------------------------------------------- bulk JSON


async def test_staff_create_or_replace_units_in_bulk(suite: Suite) -> None:
    congress = suite.new_congress()
    staff = suite.staff(congress)
    units = [{"id": "edu", **_edu()}, {"id": "court", **_edu(name="市中级人民法院", kind="court", duties=COURT_DUTIES)}]
    response = await suite.client.post("/units/bulk", headers=staff, json={"units": units})
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 2, "units": 2, "created": 2, "updated": 0, "unchanged": 0}

    units[1] = {**units[1], "active": False}
    again = await suite.client.post("/units/bulk", headers=staff, json={"units": units})
    assert again.json() == {"rows": 2, "units": 2, "created": 0, "updated": 1, "unchanged": 1}
    listed = await suite.client.get("/units", headers=staff)
    assert [(u["id"], u["active"]) for u in listed.json()["data"]] == [("court", False), ("edu", True)]
    await _updates(suite, congress, 3)


async def test_a_bulk_request_with_any_problem_is_refused_whole(suite: Suite) -> None:
    congress = suite.new_congress()
    units = [
        {"id": "edu", **_edu()},
        {"id": "court", **_edu(name="", contacts=[{"id": "c1"}, {"id": "c2", "phone": "12x"}])},
        {"id": "edu", **_edu()},
        {"id": "审计局", **_edu()},
    ]
    response = await suite.client.post("/units/bulk", headers=suite.staff(congress), json={"units": units})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import.rejected"
    assert [(e["row"], e["column"], e["code"]) for e in error["details"]["errors"]] == [
        (2, "name", "unit.name_required"),
        (2, "contacts[1].phone", "unit.contact_phone_invalid"),
        (3, "id", "import.duplicate_row"),
        (4, "id", "unit.id_invalid"),
    ]
    assert await _docs(suite, congress) == []


async def test_a_bulk_request_over_the_limit_is_invalid(suite: Suite) -> None:
    congress = suite.new_congress()
    unit = {"name": "单位", "kind": "court", "duties": COURT_DUTIES}
    units = [{"id": f"u{n}", **unit} for n in range(2001)]
    response = await suite.client.post("/units/bulk", headers=suite.staff(congress), json={"units": units})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"


# --------------------------------------------------------------------------- who sees what


async def test_another_congress_does_not_see_the_units(suite: Suite) -> None:
    congress, other = suite.new_congress(), suite.new_congress()
    await suite.client.put("/units/edu", headers=suite.staff(congress), json=_edu())

    theirs = suite.staff(other)
    assert (await suite.client.get("/units", headers=theirs)).json() == {"data": [], "count": 0}
    missing = await suite.client.get("/units/edu", headers=theirs)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unit.not_found"
    # the other congress's unit of the same id is its own
    await suite.client.put("/units/edu", headers=theirs, json=_edu(name="县教育局"))
    assert (await suite.client.get("/units/edu", headers=suite.staff(congress))).json()["name"] == "市教育局"


async def test_a_unit_handler_sees_other_units_but_only_their_own_contacts(suite: Suite) -> None:
    congress = suite.new_congress()
    await _import(suite, congress, _csv(TABLE), "units.csv")
    handler = suite.unit(congress, "edu", subject="u-edu-2")

    listed = await suite.client.get("/units", headers=handler)
    assert listed.status_code == 200, listed.text
    assert {u["id"]: u["contacts"] is not None for u in listed.json()["data"]} == {
        "court": False,
        "edu": True,
        "traffic": False,
    }
    traffic = (await suite.client.get("/units/traffic", headers=handler)).json()
    assert (traffic["name"], traffic["kind"], traffic["coordinator"], traffic["contacts"]) == (
        "市公安局交通警察支队",
        "vertically_managed",
        "市政府督查室",
        None,
    )
    own = (await suite.client.get("/units/edu", headers=handler)).json()
    assert [c["id"] for c in own["contacts"]] == ["u-edu-1", "u-edu-2"]

    # a token naming the unit is not enough: the person must be one of its contacts
    stranger = suite.unit(congress, "edu", subject="someone-else")
    assert (await suite.client.get("/units/edu", headers=stranger)).json()["contacts"] is None
    leader = await suite.client.get("/units/traffic", headers=suite.leader(congress))
    assert [c["id"] for c in leader.json()["contacts"]] == ["u-traffic-1"]


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("PUT", "/units/edu", Role.LEADER),
        ("PUT", "/units/edu", Role.UNIT_HANDLER),
        ("POST", "/units/bulk", Role.LEADER),
        ("POST", "/units/import", Role.UNIT_HANDLER),
        ("GET", "/units", Role.DEPUTY),
        ("GET", "/units/edu", Role.EVALUATOR),
    ],
)
async def test_roles_that_may_not(suite: Suite, method: str, path: str, role: Role) -> None:
    congress = suite.new_congress()
    headers = token(suite.settings, "someone", role, congress_id=congress, unit_id="edu")
    if path == "/units/import":
        response = await _import(suite, congress, _csv(TABLE), "units.csv", **headers)
    else:
        body = {"units": [{"id": "edu", **_edu()}]} if path == "/units/bulk" else _edu()
        response = await suite.client.request(method, path, headers=headers, json=None if method == "GET" else body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.role_not_allowed"
    assert await _docs(suite, congress) == []


async def test_no_token_is_unauthenticated(suite: Suite) -> None:
    response = await suite.client.get("/units")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.missing"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/units/edu", {k: v for k, v in _edu().items() if k != "kind"}),
        ("/units/edu", _edu(kind="department")),
        ("/units/edu", _edu(unknown="x")),
        ("/units/edu", _edu(contacts=[{"name": "王老师"}])),
        ("/units/edu", _edu(keywords="学校")),
        ("/units/%E6%95%99%E8%82%B2", _edu()),  # 教育: ids are letters, digits and _ . : -
        ("/units/" + "e" * 65, _edu()),
    ],
)
async def test_a_body_or_path_breaking_the_schema_is_request_invalid(suite: Suite, path: str, body: Any) -> None:
    congress = suite.new_congress()
    response = await suite.client.put(path, headers=suite.staff(congress), json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"name": " "}, "unit.name_required"),
        ({"name": "局" * 101}, "unit.name_too_long"),
        ({"duties": ""}, "unit.duties_required"),
        ({"duties": "责" * 5001}, "unit.duties_too_long"),
        ({"keywords": [f"k{n}" for n in range(101)]}, "unit.keywords_too_many"),
        ({"aliases": ["称" * 31]}, "unit.alias_too_long"),
        ({"contacts": [{"id": f"c{n}"} for n in range(21)]}, "unit.contacts_too_many"),
        ({"contacts": [{"id": "c1"}, {"id": "c1"}]}, "unit.contact_duplicate"),
        ({"contacts": [{"id": "c1", "email": "c1.example.org"}]}, "unit.contact_email_invalid"),
    ],
)
async def test_an_entry_breaking_the_rules_has_its_code(suite: Suite, overrides: dict[str, Any], code: str) -> None:
    congress = suite.new_congress()
    response = await suite.client.put("/units/edu", headers=suite.staff(congress), json=_edu(**overrides))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert await _docs(suite, congress) == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"skip": -1}, {"kind": "ministry"}])
async def test_a_bad_query_is_request_invalid(suite: Suite, params: dict[str, Any]) -> None:
    response = await suite.client.get("/units", headers=suite.staff(suite.new_congress()), params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"
