"""Registration (登记), batch registration (登记造册), merging (并案) and passing up to the parent congress (转报)."""

from __future__ import annotations

import pytest
from intake_support import PARKING, RIVERS, SCHOOLS, Suite, error, ok

from shared.testing.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

# --------------------------------------------------------------------------- numbers


async def test_numbers_count_per_congress_and_per_session(suite: Suite) -> None:
    cid = await suite.new_congress()
    other = await suite.new_congress()
    assert (await suite.registered(cid, "d1"))["number"] == "15-2-0001"
    assert (await suite.registered(other, "d1"))["number"] == "15-2-0001"
    assert (await suite.registered(cid, "d2", **SCHOOLS))["number"] == "15-2-0002"
    body = {"name": "测试city人大", "level": "city", "term": 15, "session": "15-3"}
    ok(await suite.client.put(f"/congresses/{cid}", json=body, headers=suite.staff(cid)))
    s = await suite.registered(cid, "d3", **RIVERS)
    assert (s["session"], s["number"]) == ("15-3", "15-3-0001")


async def test_registration_is_staff_work_and_happens_once(suite: Suite) -> None:
    cid = await suite.new_congress()
    staff = suite.staff(cid, "staff-9")
    s = await suite.submitted(cid, "d1")
    error(
        await suite.client.post(f"/suggestions/{s['id']}/register", headers=suite.deputy(cid, "d1")),
        403,
        "auth.role_not_allowed",
    )
    registered = ok(await suite.client.post(f"/suggestions/{s['id']}/register", headers=staff))
    assert registered["number"] == "15-2-0001"
    before = await suite.snapshot(cid)
    err = error(
        await suite.client.post(f"/suggestions/{s['id']}/register", headers=staff), 409, "suggestion.already_registered"
    )
    assert err["details"]["number"] == "15-2-0001"
    error(await suite.client.post("/suggestions/no-such-id/register", headers=staff), 404, "suggestion.not_found")
    # staff of another congress cannot register it
    other = await suite.new_congress(deputies=[])
    error(
        await suite.client.post(f"/suggestions/{s['id']}/register", headers=suite.staff(other)),
        404,
        "suggestion.not_found",
    )
    assert await suite.snapshot(cid) == before
    events = await suite.wait_events(cid, "intake.suggestion.registered.v1", count=1)
    assert events[0]["data"]["number"] == "15-2-0001" and events[0]["data"]["registered_by"] == "staff-9"


async def test_batch_registration_follows_the_order_given_and_reports_each_failure(suite: Suite) -> None:
    cid = await suite.new_congress()
    staff = suite.staff(cid)
    a = await suite.submitted(cid, "d1")
    b = await suite.submitted(cid, "d2", **SCHOOLS)
    c = await suite.submitted(cid, "d3", **RIVERS)
    ok(await suite.client.post(f"/suggestions/{b['id']}/register", headers=staff))  # 15-2-0001
    draft = await suite.draft(cid, "d4")

    body = {"ids": [c["id"], b["id"], "no-such-id", a["id"], draft["id"]]}
    report = ok(await suite.client.post("/suggestions/register", json=body, headers=staff))
    assert (report["registered"], report["failed"]) == (2, 3)
    assert [(x["suggestion_id"], x["ok"], x["number"], x["code"]) for x in report["results"]] == [
        (c["id"], True, "15-2-0002", None),
        (b["id"], False, None, "suggestion.already_registered"),
        ("no-such-id", False, None, "suggestion.not_found"),
        (a["id"], True, "15-2-0003", None),
        (draft["id"], False, None, "suggestion.not_found"),  # a draft is the deputy's business only
    ]
    assert all(x["message"] for x in report["results"] if not x["ok"])
    assert (await suite.read(cid, a["id"]))["number"] == "15-2-0003"

    before = await suite.snapshot(cid)
    r = await suite.client.post("/suggestions/register", json={"ids": [a["id"], a["id"]]}, headers=staff)
    error(r, 422, "register.repeated")
    error(await suite.client.post("/suggestions/register", json={"ids": []}, headers=staff), 422, "request.invalid")
    r = await suite.client.post("/suggestions/register", json={"ids": [c["id"]]}, headers=suite.deputy(cid, "d3"))
    error(r, 403, "auth.role_not_allowed")
    assert await suite.snapshot(cid) == before


# --------------------------------------------------------------------------- merging


async def test_merging_keeps_every_deputy_as_an_author(suite: Suite) -> None:
    cid = await suite.new_congress()
    staff = suite.staff(cid)
    ok(await suite.client.put("/deputies/d7", json={"name": "周平", "delegation": "南山代表团"}, headers=staff))
    primary = await suite.registered(cid, "d6", co_signers=["d5"])
    a = await suite.registered(cid, "d1", co_signers=["d2"], **SCHOOLS)
    sid_b = (await suite.draft(cid, "d3", co_signers=[{"id": "d4"}, {"id": "d7"}], **RIVERS))["id"]
    await suite.answer(cid, "d4", sid_b)
    await suite.answer(cid, "d7", sid_b, confirm=False)
    await suite.submit(cid, "d3", sid_b)
    b = ok(await suite.client.post(f"/suggestions/{sid_b}/register", headers=staff))

    merged = ok(
        await suite.client.post(
            f"/suggestions/{primary['id']}/merge", json={"merge": [a["id"], b["id"]]}, headers=staff
        )
    )
    assert merged["merged"] == [a["id"], b["id"]]
    assert merged["status"] == "registered" and merged["number"] == primary["number"]
    assert [x["id"] for x in merged["authors"]] == ["d6", "d5", "d1", "d2", "d3", "d4"]  # not d7, who declined
    assert {x["id"]: x["name"] for x in merged["authors"]}["d3"] == "王建国"

    for s in (a, b):
        now = await suite.read(cid, s["id"])
        assert (now["status"], now["merged_into"], now["number"]) == ("merged", primary["id"], s["number"])
    assert (await suite.read(cid, primary["id"]))["authors"] == merged["authors"]

    # the authors of the merged ones now read the primary and find it in their list
    assert (await suite.read(cid, primary["id"], suite.deputy(cid, "d4")))["id"] == primary["id"]
    assert primary["id"] in {s["id"] for s in (await suite.listing(cid, suite.deputy(cid, "d3")))["data"]}
    assert primary["id"] in {s["id"] for s in (await suite.listing(cid, deputy="d1"))["data"]}

    events = await suite.wait_events(cid, "intake.suggestion.merged.v1", count=1)
    assert events[0]["subject"] == primary["id"]
    assert events[0]["data"]["merged_numbers"] == [a["number"], b["number"]]
    assert [x["id"] for x in events[0]["data"]["authors"]] == ["d6", "d5", "d1", "d2", "d3", "d4"]


async def test_what_cannot_be_merged(suite: Suite) -> None:
    cid = await suite.new_congress()
    staff = suite.staff(cid)
    primary = await suite.registered(cid, "d1")
    other = await suite.registered(cid, "d2", **SCHOOLS)
    submitted = await suite.submitted(cid, "d3", **RIVERS)

    async def merge(into: str, ids: list[str]) -> object:
        return await suite.client.post(f"/suggestions/{into}/merge", json={"merge": ids}, headers=staff)

    before = await suite.snapshot(cid)
    err = error(await merge(primary["id"], [other["id"], submitted["id"]]), 409, "merge.not_registered")
    assert err["details"]["suggestion_id"] == submitted["id"]
    error(await merge(submitted["id"], [other["id"]]), 409, "merge.not_registered")
    error(await merge(primary["id"], [primary["id"]]), 422, "merge.into_itself")
    error(await merge(primary["id"], [other["id"], other["id"]]), 422, "merge.repeated")
    error(await merge(primary["id"], []), 422, "request.invalid")
    error(await merge(primary["id"], ["no-such-id"]), 404, "suggestion.not_found")
    r = await suite.client.post(
        f"/suggestions/{primary['id']}/merge", json={"merge": [other["id"]]}, headers=suite.deputy(cid, "d1")
    )
    error(r, 403, "auth.role_not_allowed")
    assert await suite.snapshot(cid) == before

    # of another session
    body = {"name": "测试city人大", "level": "city", "term": 15, "session": "15-3"}
    ok(await suite.client.put(f"/congresses/{cid}", json=body, headers=staff))
    later = await suite.registered(cid, "d4", **PARKING)
    error(await merge(primary["id"], [later["id"]]), 422, "merge.other_session")

    # once merged, a suggestion is not merged again
    ok(await merge(primary["id"], [other["id"]]))
    third = await suite.registered(cid, "d5", **RIVERS)
    error(await merge(third["id"], [other["id"]]), 409, "merge.not_registered")
    assert (await suite.read(cid, other["id"]))["merged_into"] == primary["id"]


# --------------------------------------------------------------------------- passing up


async def test_a_city_passes_a_suggestion_up_to_its_province(suite: Suite) -> None:
    province = await suite.new_congress(level="province", prefix="p", deputies=[])
    city = await suite.new_congress(level="city", parent_id=province)
    city_staff = suite.staff(city)
    province_staff = suite.staff(province)
    s = await suite.registered(city, "d1", co_signers=["d2"])

    passed = ok(
        await suite.client.post(f"/suggestions/{s['id']}/pass-up", json={"note": " 涉及全省政策 "}, headers=city_staff)
    )
    assert passed["status"] == "passed_up"
    assert passed["passed_up"]["to_congress_id"] == province and passed["passed_up"]["note"] == "涉及全省政策"
    assert passed["number"] == s["number"]

    async def received() -> dict[str, object] | None:
        found = (await suite.listing(province, province_staff))["data"]
        return found[0] if found else None

    case = await eventually(received)
    assert case["congress_id"] == province and case["id"] != s["id"]
    assert (case["origin"], case["status"], case["number"]) == ("lower_congress", "submitted", None)
    assert case["transfer_from"] == {"congress_id": city, "suggestion_id": s["id"], "number": s["number"]}
    assert (case["title"], case["body"], case["field"]) == (PARKING["title"], PARKING["body"], PARKING["field"])
    assert [a["id"] for a in case["authors"]] == ["d1", "d2"]
    assert case["version"] == 1

    async def receipt() -> str | None:
        return (await suite.read(city, s["id"]))["passed_up"]["received_as"]

    assert await eventually(receipt) == case["id"]

    # the province cannot send it back to a deputy of another congress
    before = await suite.snapshot(province)
    r = await suite.client.post(
        f"/suggestions/{case['id']}/return", json={"reason_code": "format", "text": "请修改。"}, headers=province_staff
    )
    error(r, 409, "suggestion.transferred_not_returnable")
    assert await suite.snapshot(province) == before

    # the province registers it as its own case, under its own number; the city cannot touch it
    assert (
        ok(await suite.client.post(f"/suggestions/{case['id']}/register", headers=province_staff))["number"]
        == "15-2-0001"
    )
    error(await suite.client.get(f"/suggestions/{case['id']}", headers=city_staff), 404, "suggestion.not_found")
    assert (await suite.listing(province, province_staff))["count"] == 1  # received once

    # passed up once only
    r = await suite.client.post(f"/suggestions/{s['id']}/pass-up", json={}, headers=city_staff)
    error(r, 409, "pass_up.not_registered")


async def test_passing_up_needs_a_parent_and_a_registered_suggestion(suite: Suite) -> None:
    lonely = await suite.new_congress()
    staff = suite.staff(lonely)
    s = await suite.registered(lonely, "d1")
    before = await suite.snapshot(lonely)
    error(
        await suite.client.post(f"/suggestions/{s['id']}/pass-up", json={"note": "x"}, headers=staff),
        409,
        "pass_up.no_parent",
    )
    assert await suite.snapshot(lonely) == before

    province = await suite.new_congress(level="province", prefix="p", deputies=[])
    city = await suite.new_congress(level="city", parent_id=province)
    submitted = await suite.submitted(city, "d1")
    r = await suite.client.post(f"/suggestions/{submitted['id']}/pass-up", json={}, headers=suite.staff(city))
    error(r, 409, "pass_up.not_registered")
    r = await suite.client.post(f"/suggestions/{submitted['id']}/pass-up", json={}, headers=suite.deputy(city, "d1"))
    error(r, 403, "auth.role_not_allowed")
    assert (await suite.read(city, submitted["id"]))["status"] == "submitted"
    await suite.settle(0.5)
    assert (await suite.listing(province))["count"] == 0
