"""Numbering under load: 200 suggestions registered at once get 200 distinct, consecutive numbers.

A module of its own so that its 200 documents live in a database of their own.
"""

from __future__ import annotations

import asyncio

import pytest
from intake_support import PARKING, SCHOOLS, SUGGESTION_HEADERS, Suite, ok, xlsx

pytestmark = pytest.mark.asyncio(loop_scope="module")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def many_rows(n: int) -> list[list[str]]:
    body = PARKING["body"]
    return [
        [
            f"关于第{i}号小区停车设施改造的建议",
            f"第{i}号小区：{body}",
            "城乡建设",
            "大会期间",
            "代表",
            "d1",
            "李明",
            "否",
        ]
        for i in range(1, n + 1)
    ]


async def import_rows(suite: Suite, cid: str, rows: list[list[str]]) -> dict[str, int]:
    data = xlsx(SUGGESTION_HEADERS, rows)
    r = await suite.client.post(
        "/suggestions/import", files={"file": ("建议.xlsx", data, XLSX_MIME)}, headers=suite.staff(cid)
    )
    return dict(ok(r, 201))


async def test_two_hundred_concurrent_registrations_get_consecutive_distinct_numbers(suite: Suite) -> None:
    cid = await suite.new_congress()
    staff = suite.staff(cid)
    assert await import_rows(suite, cid, many_rows(200)) == {"rows": 200, "created": 200, "skipped": 0}
    listed = await suite.listing(cid, status="submitted", limit=200)
    assert listed["count"] == 200
    ids = [s["id"] for s in listed["data"]]

    results = await asyncio.gather(*(suite.client.post(f"/suggestions/{i}/register", headers=staff) for i in ids))
    assert [r.status_code for r in results] == [200] * 200, [r.text for r in results if r.status_code != 200][:3]
    numbers = [r.json()["number"] for r in results]
    assert sorted(numbers) == [f"15-2-{n:04d}" for n in range(1, 201)]
    assert {r.json()["id"] for r in results} == set(ids)
    assert all(r.json()["status"] == "registered" and r.json()["registered_at"] for r in results)

    # what is stored agrees, and the next number follows on
    stored = await suite.db["suggestions"].find({"congress_id": cid}, {"sequence": 1}).to_list()
    assert sorted(d["sequence"] for d in stored) == list(range(1, 201))
    one_more = await suite.registered(cid, "d3", **SCHOOLS)
    assert one_more["number"] == "15-2-0201"
    events = await suite.wait_events(cid, "intake.suggestion.registered.v1", count=201, timeout=30)
    assert len({e["data"]["number"] for e in events}) == 201
