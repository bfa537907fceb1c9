"""Congresses and deputies: who may set them up, the parent rules, imports from CSV (UTF-8, GBK) and XLSX."""

from __future__ import annotations

import uuid

import pytest
from intake_support import DEPUTY_EVENT, DEPUTY_HEADERS, PARKING, Suite, error, ok, xlsx

from shared.testing.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")


def congress_body(level: str = "city", parent_id: str | None = None, **extra: object) -> dict[str, object]:
    return {"name": "某市人大", "level": level, "parent_id": parent_id, "term": 15, "session": "15-2", **extra}


def new_id() -> str:
    return f"c-{uuid.uuid4().hex[:10]}"


# --------------------------------------------------------------------------- congresses


async def test_admin_sets_up_any_congress_and_anyone_reads_it(suite: Suite) -> None:
    cid = new_id()
    body = congress_body(session_name="市十五届人大二次会议", fields=["城乡建设", "科教文卫", " 城乡建设 "])
    created = ok(await suite.client.put(f"/congresses/{cid}", json=body, headers=suite.admin()))
    assert created["id"] == cid and created["level"] == "city" and created["session"] == "15-2"
    assert created["fields"] == ["城乡建设", "科教文卫"]  # trimmed, repeats dropped
    read = ok(await suite.client.get(f"/congresses/{cid}"))  # public, no token
    assert read == created
    error(await suite.client.get(f"/congresses/{new_id()}"), 404, "congress.not_found")


async def test_staff_change_only_their_own_congress(suite: Suite) -> None:
    own = await suite.new_congress(deputies=[])
    other = await suite.new_congress(deputies=[])
    before = await suite.snapshot(other)

    r = await suite.client.put(f"/congresses/{other}", json=congress_body(session="15-9"), headers=suite.staff(own))
    error(r, 403, "congress.not_yours")
    assert await suite.snapshot(other) == before

    r = await suite.client.put(f"/congresses/{own}", json=congress_body(session="15-3"), headers=suite.staff(own))
    assert ok(r)["session"] == "15-3"
    assert ok(await suite.client.get(f"/congresses/{own}"))["session"] == "15-3"

    # a deputy may not set a congress up at all
    r = await suite.client.put(f"/congresses/{own}", json=congress_body(), headers=suite.deputy(own, "d1"))
    error(r, 403, "auth.role_not_allowed")


async def test_parent_must_be_known_and_of_a_higher_level(suite: Suite) -> None:
    province = await suite.new_congress(level="province", deputies=[])
    county = await suite.new_congress(level="county", deputies=[])

    cid = new_id()
    r = await suite.client.put(f"/congresses/{cid}", json=congress_body(parent_id=new_id()), headers=suite.admin())
    error(r, 422, "congress.parent_unknown")
    r = await suite.client.put(f"/congresses/{cid}", json=congress_body(parent_id=county), headers=suite.admin())
    error(r, 422, "congress.parent_level")
    r = await suite.client.put(
        f"/congresses/{cid}", json=congress_body(level="province", parent_id=province), headers=suite.admin()
    )
    error(r, 422, "congress.parent_level")  # same level is not higher
    r = await suite.client.put(f"/congresses/{cid}", json=congress_body(parent_id=cid), headers=suite.admin())
    error(r, 422, "congress.parent_is_self")
    assert (await suite.counts(cid))["congresses"] == 0

    created = ok(
        await suite.client.put(f"/congresses/{cid}", json=congress_body(parent_id=province), headers=suite.admin())
    )
    assert created["parent_id"] == province


# --------------------------------------------------------------------------- deputies one by one


async def test_staff_keep_deputies_and_each_reads_only_themself(suite: Suite) -> None:
    cid = await suite.new_congress(deputies=[])
    staff = suite.staff(cid)
    body = {"name": "屠永芳", "delegation": "城关代表团", "phone": "13800000001", "email": "tu@example.cn"}
    assert ok(await suite.client.put("/deputies/d1", json=body, headers=staff)) == {"id": "d1", "active": True, **body}
    ok(await suite.client.put("/deputies/d2", json={"name": "李明", "delegation": "北湖代表团"}, headers=staff))

    listed = ok(await suite.client.get("/deputies", params={"delegation": "城关代表团"}, headers=staff))
    assert listed["count"] == 1 and [d["id"] for d in listed["data"]] == ["d1"]
    assert ok(await suite.client.get("/deputies", headers=staff))["count"] == 2

    assert ok(await suite.client.get("/deputies/d1", headers=suite.deputy(cid, "d1")))["phone"] == "13800000001"
    error(await suite.client.get("/deputies/d2", headers=suite.deputy(cid, "d1")), 403, "deputy.not_yours")
    error(await suite.client.get("/deputies", headers=suite.deputy(cid, "d1")), 403, "auth.role_not_allowed")
    error(await suite.client.get("/deputies/zz", headers=staff), 404, "deputy.not_found")

    # staff of another congress do not see these deputies
    other = await suite.new_congress(deputies=[])
    error(await suite.client.get("/deputies/d1", headers=suite.staff(other)), 404, "deputy.not_found")

    # deputies of a congress that is not set up cannot be entered
    r = await suite.client.put("/deputies/d9", json={"name": "某"}, headers=suite.staff(new_id()))
    error(r, 404, "congress.not_found")


async def test_putting_the_same_deputy_again_announces_nothing(suite: Suite) -> None:
    cid = await suite.new_congress(deputies=[])
    staff = suite.staff(cid)
    body = {"name": "屠永芳", "delegation": "城关代表团"}
    ok(await suite.client.put("/deputies/d1", json=body, headers=staff))
    ok(await suite.client.put("/deputies/d1", json=body, headers=staff))
    ok(await suite.client.put("/deputies/d1", json={**body, "active": False}, headers=staff))

    async def deactivated() -> list[dict[str, object]] | None:
        events = await suite.tap.events(cid, DEPUTY_EVENT)
        return events if any(e["data"]["active"] is False for e in events) else None

    # events leave in order: an event for the repeat would have come before the deactivation
    events = await eventually(deactivated)
    assert [e["data"]["active"] for e in events] == [True, False]


# --------------------------------------------------------------------------- imports


ROWS = [
    ("0101", "屠永芳", "城关代表团", "13800000001", "tu@example.cn"),
    ("0102", "李明", "城关代表团", "13800000002", ""),
    ("0103", "王建国", "北湖代表团", "", "wang@example.cn"),
]


def csv_text(rows: list[tuple[str, ...]]) -> str:
    return "\n".join([",".join(DEPUTY_HEADERS), *(",".join(r) for r in rows)]) + "\n"


async def import_deputies(suite: Suite, cid: str, name: str, data: bytes, mime: str) -> tuple[int, dict[str, object]]:
    r = await suite.client.post("/deputies/import", files={"file": (name, data, mime)}, headers=suite.staff(cid))
    return r.status_code, r.json()


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = [
    pytest.param("deputies.csv", csv_text(ROWS).encode("utf-8"), "text/csv", id="csv-utf8"),
    pytest.param("deputies.csv", b"\xef\xbb\xbf" + csv_text(ROWS).encode("utf-8"), "text/csv", id="csv-utf8-bom"),
    pytest.param("代表名单.csv", csv_text(ROWS).encode("gbk"), "text/csv", id="csv-gbk"),
    pytest.param("deputies.xlsx", xlsx(DEPUTY_HEADERS, ROWS), XLSX_MIME, id="xlsx"),
]


@pytest.mark.parametrize(("name", "data", "mime"), FILES)
async def test_import_creates_then_the_same_file_changes_and_announces_nothing(
    suite: Suite, name: str, data: bytes, mime: str
) -> None:
    cid = await suite.new_congress(deputies=[])
    status, first = await import_deputies(suite, cid, name, data, mime)
    assert status == 200, first
    assert first == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}

    staff = suite.staff(cid)
    d = ok(await suite.client.get("/deputies/0101", headers=staff))
    assert d == {
        "id": "0101",
        "name": "屠永芳",
        "delegation": "城关代表团",
        "phone": "13800000001",
        "email": "tu@example.cn",
        "active": True,
    }
    assert ok(await suite.client.get("/deputies/0103", headers=staff))["name"] == "王建国"

    status, second = await import_deputies(suite, cid, name, data, mime)
    assert status == 200, second
    assert second == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}
    assert (await suite.counts(cid))["deputies"] == 3

    # the outbox drains, and only the first import announced the deputies: a later change (the sentinel)
    # arrives after them with nothing from the second import in between
    ok(await suite.client.put("/deputies/0102", json={"name": "李明", "delegation": "北湖代表团"}, headers=staff))
    events = await suite.wait_events(cid, DEPUTY_EVENT, count=4)
    assert sorted(e["data"]["deputy_id"] for e in events[:3]) == ["0101", "0102", "0103"]
    assert events[3]["data"]["deputy_id"] == "0102" and events[3]["data"]["delegation"] == "北湖代表团"
    assert len(events) == 4
    assert await eventually(lambda: suite.outbox_drained("deputies", cid))


async def test_import_reports_updates_and_unchanged_rows(suite: Suite) -> None:
    cid = await suite.new_congress(deputies=[])
    status, _ = await import_deputies(suite, cid, "a.xlsx", xlsx(DEPUTY_HEADERS, ROWS), XLSX_MIME)
    assert status == 200
    changed = [
        ROWS[0],
        ("0102", "李明", "城关代表团", "13900000000", ""),
        ROWS[2],
        ("0104", "陈静", "南山代表团", "", ""),
    ]
    status, report = await import_deputies(suite, cid, "b.xlsx", xlsx(DEPUTY_HEADERS, changed), XLSX_MIME)
    assert status == 200
    assert report == {"rows": 4, "created": 1, "updated": 1, "unchanged": 2}
    assert ok(await suite.client.get("/deputies/0102", headers=suite.staff(cid)))["phone"] == "13900000000"
    # a later change as a sentinel: whatever the imports announced arrives before it
    ok(await suite.client.put("/deputies/0101", json={"name": "屠永芳（哨兵）"}, headers=suite.staff(cid)))

    async def sentinel() -> list[dict[str, object]] | None:
        events = await suite.tap.events(cid, DEPUTY_EVENT)
        return events if events and events[-1]["data"]["name"] == "屠永芳（哨兵）" else None

    events = await eventually(sentinel)
    assert len(events) == 6  # 3 created, then 1 created + 1 updated (not the 2 unchanged), then the sentinel
    assert sorted(e["data"]["deputy_id"] for e in events[3:5]) == ["0102", "0104"]


async def test_an_import_does_not_undo_a_deactivation(suite: Suite) -> None:
    cid = await suite.new_congress(deputies=[])
    data = xlsx(DEPUTY_HEADERS, ROWS)
    status, _ = await import_deputies(suite, cid, "a.xlsx", data, XLSX_MIME)
    assert status == 200
    body = {"name": "李明", "delegation": "城关代表团", "phone": "13800000002"}
    assert ok(await suite.client.put("/deputies/0102", json={**body, "active": False}, headers=suite.staff(cid)))
    status, report = await import_deputies(suite, cid, "a.xlsx", data, XLSX_MIME)
    assert status == 200 and report == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}
    assert ok(await suite.client.get("/deputies/0102", headers=suite.staff(cid)))["active"] is False
    # and the inactive deputy cannot start a draft
    r = await suite.client.post("/suggestions", json=PARKING, headers=suite.deputy(cid, "0102"))
    error(r, 422, "deputy.inactive")


BAD_FILES = [
    pytest.param(
        "bad.csv",
        csv_text([*ROWS, ("0104", "", "城关代表团", "138-abc", "not-an-email")]).encode(),
        {(5, "姓名", "import.required"), (5, "手机", "import.bad_value"), (5, "邮箱", "import.bad_value")},
        id="bad-row",
    ),
    pytest.param(
        "dup.xlsx",
        xlsx(DEPUTY_HEADERS, [*ROWS, ("0101", "重复", "城关代表团", "", "")]),
        {(5, "代表编号", "import.duplicate_row")},
        id="repeated-id",
    ),
    pytest.param(
        "badid.csv",
        csv_text([*ROWS, ("0104号", "陈静", "南山代表团", "", "")]).encode(),
        {(5, "代表编号", "import.bad_value")},
        id="id-with-other-characters",
    ),
    pytest.param(
        "nohead.csv",
        "姓名,代表团\n张三,城关代表团\n".encode(),
        {(1, "代表编号", "import.missing_column")},
        id="no-id-column",
    ),
    pytest.param(
        "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, {(0, None, "import.unsupported_format")}, id="xls"
    ),
    pytest.param("fake.xlsx", b"this is not a workbook", {(0, None, "import.unsupported_format")}, id="not-a-workbook"),
    pytest.param("empty.csv", b"", {(0, None, "import.empty")}, id="empty"),
]


@pytest.mark.parametrize(("name", "data", "expected"), BAD_FILES)
async def test_a_file_with_any_problem_is_refused_whole_and_writes_nothing(
    suite: Suite, name: str, data: bytes, expected: set[tuple[int, str | None, str]]
) -> None:
    cid = await suite.new_congress(deputies=[("0109", "赵强", "南山代表团")])
    before = await suite.snapshot(cid)
    status, body = await import_deputies(suite, cid, name, data, "application/octet-stream")
    assert status == 422, body
    err = body["error"]  # type: ignore[index]
    assert err["code"] == "import.rejected"
    found = {(e["row"], e["column"], e["code"]) for e in err["details"]["errors"]}
    assert expected <= found, found
    assert all(e["message"] for e in err["details"]["errors"])
    assert await suite.snapshot(cid) == before
    assert (await suite.counts(cid))["deputies"] == 1


async def test_only_staff_import_deputies(suite: Suite) -> None:
    cid = await suite.new_congress(deputies=[])
    data = csv_text(ROWS).encode()
    r = await suite.client.post(
        "/deputies/import", files={"file": ("d.csv", data, "text/csv")}, headers=suite.deputy(cid, "d1")
    )
    error(r, 403, "auth.role_not_allowed")
    r = await suite.client.post("/deputies/import", files={"file": ("d.csv", data, "text/csv")})
    error(r, 401, "auth.missing")
    assert (await suite.counts(cid))["deputies"] == 0
