"""Importing suggestions from XLSX, reading and searching them, exporting them, and the public catalogue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from intake_support import (
    PARKING,
    RIVERS,
    SCHOOLS,
    SUGGESTION_HEADERS,
    Suite,
    error,
    ok,
    read_xlsx,
    xlsx,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUBMITTED = "intake.suggestion.submitted.v1"


async def post_import(suite: Suite, cid: str, data: bytes, name: str = "建议.xlsx") -> Any:
    return await suite.client.post(
        "/suggestions/import", files={"file": (name, data, XLSX_MIME)}, headers=suite.staff(cid)
    )


# --------------------------------------------------------------------------- import


async def test_imported_rows_become_submitted_suggestions_once(suite: Suite) -> None:
    cid = await suite.new_congress()
    data = xlsx(
        SUGGESTION_HEADERS,
        [
            [PARKING["title"], PARKING["body"], "城乡建设", "闭会期间", "议案转建议", "屠永芳", "李明、王建国", "否"],
            [SCHOOLS["title"], SCHOOLS["body"], "科教文卫", "大会期间", "联络站", "d3", "d4,d5", "是"],
        ],
    )
    assert ok(await post_import(suite, cid, data), 201) == {"rows": 2, "created": 2, "skipped": 0}

    listed = {s["title"]: s for s in (await suite.listing(cid))["data"]}
    assert set(listed) == {PARKING["title"], SCHOOLS["title"]}
    first, second = listed[PARKING["title"]], listed[SCHOOLS["title"]]
    assert (first["status"], first["kind"], first["origin"], first["confidential"]) == (
        "submitted",
        "recess",
        "motion",
        False,
    )
    assert first["lead_deputy"]["id"] == "d1" and first["body"] == PARKING["body"] and first["version"] == 1
    assert [(c["id"], c["status"]) for c in first["co_signers"]] == [("d2", "confirmed"), ("d3", "confirmed")]
    assert [a["id"] for a in first["authors"]] == ["d1", "d2", "d3"]
    assert (second["kind"], second["origin"], second["confidential"]) == ("session", "liaison_station", True)
    assert [a["id"] for a in second["authors"]] == ["d3", "d4", "d5"]
    # the deputies find them in their own lists, ready for registration
    assert [s["id"] for s in (await suite.listing(cid, suite.deputy(cid, "d2")))["data"]] == [first["id"]]
    assert ok(await suite.client.post(f"/suggestions/{first['id']}/register", headers=suite.staff(cid)))["number"]

    # the same file again creates nothing
    assert ok(await post_import(suite, cid, data), 201) == {"rows": 2, "created": 0, "skipped": 2}
    assert (await suite.counts(cid))["suggestions"] == 2
    # and announces nothing: the submitted events are the first import's two (a later registration proves the
    # relay got past anything the second import could have added)
    await suite.wait_events(cid, "intake.suggestion.registered.v1", count=1)
    await suite.client.post(f"/suggestions/{second['id']}/register", headers=suite.staff(cid))
    await suite.wait_events(cid, "intake.suggestion.registered.v1", count=2)
    events = await suite.tap.events(cid, SUBMITTED, "intake.suggestion.co_signing_requested.v1")
    assert sorted(e["subject"] for e in events) == sorted([first["id"], second["id"]])
    assert {e["type"] for e in events} == {SUBMITTED}


BAD_IMPORTS = [
    pytest.param(
        [["关于某事的建议", PARKING["body"], "城乡建设", "大会期间", "代表", "无名氏", "", "否"]],
        {(3, "领衔代表", "import.unknown_deputy")},
        id="unknown-lead",
    ),
    pytest.param(
        [["关于某事的建议", "太短了，建议改进。", "城乡建设", "大会期间", "代表", "d1", "", "否"]],
        {(3, "body", "check.body_too_short")},
        id="short-body",
    ),
    pytest.param(
        [["关于某事的建议", PARKING["body"], "城乡建设", "大会期间", "代表", "d1", "李明、查无此人", "否"]],
        {(3, "附议代表", "import.unknown_deputy")},
        id="unknown-co-signer",
    ),
    pytest.param(
        [["关于某事的建议", PARKING["body"], "天文", "大会期间", "代表", "d1", "", "否"]],
        {(3, "field", "check.field_unknown")},
        id="field-unknown",
    ),
    pytest.param(
        [["关于某事的建议", PARKING["body"], "城乡建设", "有时候", "代表", "d1", "", "也许"]],
        {(3, "类型", "import.bad_value"), (3, "是否保密", "import.bad_value")},
        id="bad-values",
    ),
    pytest.param(
        [["关于某事的建议", PARKING["body"], "城乡建设", "大会期间", "代表", "同名", "", "否"]],
        {(3, "领衔代表", "import.ambiguous_deputy")},
        id="ambiguous-name",
    ),
    pytest.param(
        [["关于某事的建议", PARKING["body"], "城乡建设", "大会期间", "代表", "d7", "周平", "否"]],
        {(3, "领衔代表", "import.inactive_deputy"), (3, "附议代表", "import.inactive_deputy")},
        id="inactive-deputies",
    ),
]


@pytest.mark.parametrize(("bad_rows", "expected"), BAD_IMPORTS)
async def test_an_import_with_a_bad_row_is_refused_whole(
    suite: Suite, bad_rows: list[list[str]], expected: set[tuple[int, str, str]]
) -> None:
    cid = await suite.new_congress()
    for deputy_id in ("d8", "d9"):
        ok(await suite.client.put(f"/deputies/{deputy_id}", json={"name": "同名"}, headers=suite.staff(cid)))
    ok(await suite.client.put("/deputies/d7", json={"name": "周平", "active": False}, headers=suite.staff(cid)))
    good = [RIVERS["title"], RIVERS["body"], "资源环境", "大会期间", "代表", "d1", "", "否"]
    before = await suite.snapshot(cid)
    r = await post_import(suite, cid, xlsx(SUGGESTION_HEADERS, [good, *bad_rows]))
    err = error(r, 422, "import.rejected")
    found = {(e["row"], e["column"], e["code"]) for e in err["details"]["errors"]}
    assert found == expected, found
    assert await suite.snapshot(cid) == before  # not even the good row


async def test_an_import_file_that_is_not_a_suggestion_list_is_refused(suite: Suite) -> None:
    cid = await suite.new_congress()
    before = await suite.snapshot(cid)
    no_lead = xlsx(["标题", "正文", "领域"], [[PARKING["title"], PARKING["body"], "城乡建设"]])
    err = error(await post_import(suite, cid, no_lead), 422, "import.rejected")
    assert [(e["code"], e["column"]) for e in err["details"]["errors"]] == [("import.missing_column", "领衔代表")]
    err = error(await post_import(suite, cid, b"not a workbook", "a.docx"), 422, "import.rejected")
    assert err["details"]["errors"][0]["code"] == "import.unsupported_format"
    only_header = xlsx(SUGGESTION_HEADERS, [])
    assert error(await post_import(suite, cid, only_header), 422, "import.rejected")["details"]["errors"][0][
        "code"
    ] == ("import.empty")
    r = await suite.client.post(
        "/suggestions/import",
        files={"file": ("a.xlsx", no_lead, XLSX_MIME)},
        headers=suite.deputy(cid, "d1"),
    )
    error(r, 403, "auth.role_not_allowed")
    assert await suite.snapshot(cid) == before


# --------------------------------------------------------------------------- reading


async def test_staff_filter_search_and_page(suite: Suite) -> None:
    cid = await suite.new_congress()
    a = await suite.registered(cid, "d1", **PARKING)
    between = datetime.now(UTC)
    b = await suite.submitted(cid, "d3", co_signers=["d5"], **SCHOOLS)
    c = await suite.submitted(cid, "d2", **RIVERS)
    await suite.draft(cid, "d4", **PARKING)

    async def ids(**params: Any) -> list[str]:
        found = await suite.listing(cid, **params)
        assert found["count"] == len(found["data"])
        return [s["id"] for s in found["data"]]

    assert await ids() == [c["id"], b["id"], a["id"]]  # newest first, no draft
    assert await ids(status="registered") == [a["id"]]
    assert await ids(status="submitted") == [c["id"], b["id"]]
    assert await ids(field="科教文卫") == [b["id"]]
    assert await ids(kind="recess") == [b["id"]]
    assert await ids(deputy="d5") == [b["id"]]  # a co-signer is an author
    assert await ids(deputy="d1") == [a["id"]]
    assert await ids(delegation="南山代表团") == [b["id"]]  # through the co-signer's delegation
    assert await ids(delegation="城关代表团") == [c["id"], a["id"]]
    assert await ids(submitted_from=between.isoformat()) == [c["id"], b["id"]]
    assert await ids(submitted_to=between.isoformat()) == [a["id"]]
    assert await ids(status="submitted", field="资源环境") == [c["id"]]
    assert await ids(q="停车") == [a["id"]]
    assert await ids(q="河道 垃圾") == [c["id"]]
    assert await ids(q="教师") == [b["id"]]
    assert await ids(q="停车 教师") == []  # every word must be found
    assert await ids(q="航天") == []

    first = await suite.listing(cid, limit=2)
    second = await suite.listing(cid, limit=2, skip=2)
    assert (first["count"], second["count"]) == (3, 3)
    assert [s["id"] for s in first["data"] + second["data"]] == [c["id"], b["id"], a["id"]]
    assert (await suite.listing(cid, skip=5))["data"] == []


async def test_a_deputy_lists_only_their_own_and_co_signed_suggestions(suite: Suite) -> None:
    cid = await suite.new_congress()
    own = await suite.submitted(cid, "d1", **PARKING)
    co_signed = await suite.submitted(cid, "d3", co_signers=["d1"], **SCHOOLS)
    draft = await suite.draft(cid, "d1", **RIVERS)
    others = await suite.registered(cid, "d4", **RIVERS)

    mine = await suite.listing(cid, suite.deputy(cid, "d1"))
    assert {s["id"] for s in mine["data"]} == {own["id"], co_signed["id"], draft["id"]} and mine["count"] == 3
    assert {s["id"] for s in (await suite.listing(cid, suite.deputy(cid, "d1"), status="draft"))["data"]} == {
        draft["id"]
    }
    assert [s["id"] for s in (await suite.listing(cid, suite.deputy(cid, "d4")))["data"]] == [others["id"]]
    assert (await suite.listing(cid, suite.deputy(cid, "d6")))["count"] == 0
    error(
        await suite.client.get(f"/suggestions/{others['id']}", headers=suite.deputy(cid, "d1")),
        404,
        "suggestion.not_found",
    )
    # a role that reads no suggestions gets an empty list
    from shared.auth import Role
    from shared.testing.helpers import token

    unit = token(suite.settings, "u1", Role.UNIT_HANDLER, congress_id=cid, unit_id="unit-1")
    assert (await suite.listing(cid, unit))["count"] == 0


async def test_export_is_a_real_workbook_in_number_order(suite: Suite) -> None:
    cid = await suite.new_congress()
    b = await suite.registered(cid, "d3", co_signers=["d5", "d6"], **SCHOOLS)
    a = await suite.registered(cid, "d1", confidential=True, **PARKING)
    c = await suite.submitted(cid, "d2", **RIVERS)
    await suite.draft(cid, "d4")

    r = await suite.client.get("/suggestions/export", headers=suite.staff(cid))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(XLSX_MIME)
    assert "suggestions.xlsx" in r.headers["content-disposition"]
    rows = read_xlsx(r.content)
    assert rows[0] == [
        "编号",
        "标题",
        "领域",
        "类型",
        "领衔代表",
        "附议代表",
        "代表团",
        "状态",
        "提交时间",
        "登记时间",
        "是否保密",
    ]
    body = rows[1:]
    assert len(body) == 3  # no draft
    by_title = {row[1]: row for row in body}
    assert [row[1] for row in body if row[0]] == [SCHOOLS["title"], PARKING["title"]]  # by number
    assert by_title[SCHOOLS["title"]][:8] == [
        b["number"],
        SCHOOLS["title"],
        "科教文卫",
        "闭会期间",
        "王建国",
        "赵强、孙丽",
        "北湖代表团",
        "已登记",
    ]
    assert isinstance(by_title[SCHOOLS["title"]][8], datetime) and isinstance(by_title[SCHOOLS["title"]][9], datetime)
    assert by_title[PARKING["title"]][0] == a["number"] and by_title[PARKING["title"]][10] == "是"
    assert by_title[RIVERS["title"]][0] is None and by_title[RIVERS["title"]][7] == "待审核"
    assert by_title[RIVERS["title"]][9] is None and by_title[RIVERS["title"]][10] == "否"
    assert c["id"]

    r = await suite.client.get("/suggestions/export", params={"status": "submitted"}, headers=suite.staff(cid))
    assert [row[1] for row in read_xlsx(r.content)[1:]] == [RIVERS["title"]]
    error(await suite.client.get("/suggestions/export", headers=suite.deputy(cid, "d1")), 403, "auth.role_not_allowed")


# --------------------------------------------------------------------------- public catalogue


async def test_public_catalogue_lists_registered_open_suggestions_only(suite: Suite) -> None:
    cid = await suite.new_congress()
    staff = suite.staff(cid)
    lone = await suite.registered(cid, "d3", **RIVERS)  # 0001
    await suite.registered(cid, "d4", confidential=True, title="关于某保密事项的建议")  # 0002
    joint = await suite.registered(cid, "d1", co_signers=["d2", "d5"], **PARKING)  # 0003
    await suite.draft(cid, "d1", title="关于草稿的建议")
    await suite.submitted(cid, "d2", title="关于未登记的建议")
    withdrawn = await suite.submitted(cid, "d5", title="关于撤回的建议")
    ok(await suite.client.post(f"/suggestions/{withdrawn['id']}/withdraw", headers=suite.deputy(cid, "d5")))
    returned = await suite.submitted(cid, "d6", title="关于退回的建议")
    ok(
        await suite.client.post(
            f"/suggestions/{returned['id']}/return", json={"reason_code": "format", "text": "改"}, headers=staff
        )
    )
    elsewhere = await suite.new_congress()
    await suite.registered(elsewhere, "d1", title="关于别处的建议")

    r = await suite.client.get(f"/public/catalogue/{cid}")  # no token
    catalogue = ok(r)
    assert catalogue["count"] == 2
    assert [(e["number"], e["title"], e["deputies"]) for e in catalogue["data"]] == [
        ("15-2-0001", RIVERS["title"], "王建国"),
        ("15-2-0003", PARKING["title"], "屠永芳等3名代表"),
    ]
    entry = catalogue["data"][1]
    assert entry["id"] == joint["id"] and entry["lead_deputy"] == "屠永芳" and entry["field"] == "城乡建设"
    assert entry["session"] == "15-2" and entry["registered_at"]
    assert "body" not in entry and "phone" not in str(entry)
    assert lone["id"] == catalogue["data"][0]["id"]

    page = ok(await suite.client.get(f"/public/catalogue/{cid}", params={"limit": 1, "skip": 1}))
    assert page["count"] == 2 and [e["number"] for e in page["data"]] == ["15-2-0003"]
    only = ok(await suite.client.get(f"/public/catalogue/{cid}", params={"field": "资源环境"}))
    assert [e["number"] for e in only["data"]] == ["15-2-0001"]
    error(await suite.client.get("/public/catalogue/no-such-congress"), 404, "congress.not_found")


async def test_public_catalogue_names_every_author_of_a_merged_case(suite: Suite) -> None:
    cid = await suite.new_congress()
    primary = await suite.registered(cid, "d1", co_signers=["d2"], **PARKING)
    other = await suite.registered(cid, "d3", co_signers=["d4"], **SCHOOLS)
    ok(
        await suite.client.post(
            f"/suggestions/{primary['id']}/merge", json={"merge": [other["id"]]}, headers=suite.staff(cid)
        )
    )
    catalogue = ok(await suite.client.get(f"/public/catalogue/{cid}"))
    deputies = {e["number"]: e["deputies"] for e in catalogue["data"]}
    assert deputies[primary["number"]] == "屠永芳等4名代表"
