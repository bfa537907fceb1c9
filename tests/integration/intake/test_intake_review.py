"""Review before registration: automatic checks, similar suggestions, return and resubmission, withdrawal."""

from __future__ import annotations

import pytest
from intake_support import PARKING, PARKING_REWORDED, RIVERS, SCHOOLS, Suite, error, ok

pytestmark = pytest.mark.asyncio(loop_scope="module")

SUBMITTED = "intake.suggestion.submitted.v1"
RETURNED = "intake.suggestion.returned.v1"
RESUBMITTED = "intake.suggestion.resubmitted.v1"
WITHDRAWN = "intake.suggestion.withdrawn.v1"
REGISTERED = "intake.suggestion.registered.v1"


def codes(findings: list[dict[str, str]]) -> dict[str, str]:
    return {f["code"]: f["severity"] for f in findings}


# --------------------------------------------------------------------------- checks


async def test_a_short_body_is_an_error_that_blocks_submission(suite: Suite) -> None:
    cid = await suite.new_congress()
    lead = suite.deputy(cid, "d1")
    sid = (await suite.draft(cid, "d1", body="停车难，建议多建停车场。"))["id"]

    report = ok(await suite.client.get(f"/suggestions/{sid}/checks", headers=lead))
    assert report["passes"] is False
    short = [f for f in report["findings"] if f["code"] == "check.body_too_short"]
    assert short and short[0]["severity"] == "error" and short[0]["part"] == "body" and short[0]["message"]

    before = await suite.snapshot(cid)
    err = error(await suite.client.post(f"/suggestions/{sid}/submit", headers=lead), 422, "suggestion.checks_failed")
    assert [f["code"] for f in err["details"]["findings"]] == ["check.body_too_short"]
    assert await suite.snapshot(cid) == before

    # fixed, it passes
    ok(await suite.client.patch(f"/suggestions/{sid}", json={"body": PARKING["body"]}, headers=lead))
    report = ok(await suite.client.get(f"/suggestions/{sid}/checks", headers=lead))
    assert report["passes"] is True and report["findings"] == []
    assert (await suite.submit(cid, "d1", sid))["suggestion"]["status"] == "submitted"


async def test_a_title_out_of_form_is_a_warning_that_does_not_block(suite: Suite) -> None:
    cid = await suite.new_congress()
    sid = (await suite.draft(cid, "d1", title="城区停车难问题亟待解决"))["id"]
    report = ok(await suite.client.get(f"/suggestions/{sid}/checks", headers=suite.deputy(cid, "d1")))
    assert report["passes"] is True
    assert codes(report["findings"]) == {"check.title_form": "warning"}
    submitted = await suite.submit(cid, "d1", sid)
    assert submitted["suggestion"]["status"] == "submitted"
    assert codes(submitted["findings"]) == {"check.title_form": "warning"}
    # staff see the same findings on the submitted suggestion
    report = ok(await suite.client.get(f"/suggestions/{sid}/checks", headers=suite.staff(cid)))
    assert codes(report["findings"]) == {"check.title_form": "warning"}


async def test_a_field_outside_the_congress_fields_is_an_error(suite: Suite) -> None:
    cid = await suite.new_congress(fields=["城乡建设", "科教文卫"])
    lead = suite.deputy(cid, "d1")
    sid = (await suite.draft(cid, "d1", field="交通运输"))["id"]  # a default field, but not this congress's
    report = ok(await suite.client.get(f"/suggestions/{sid}/checks", headers=lead))
    assert report["passes"] is False and codes(report["findings"]) == {"check.field_unknown": "error"}
    err = error(await suite.client.post(f"/suggestions/{sid}/submit", headers=lead), 422, "suggestion.checks_failed")
    assert [f["code"] for f in err["details"]["findings"]] == ["check.field_unknown"]

    # every missing part is reported at once
    sid = (await suite.draft(cid, "d1", title="", body="", field=""))["id"]
    report = ok(await suite.client.get(f"/suggestions/{sid}/checks", headers=lead))
    assert codes(report["findings"]) == {
        "check.title_missing": "error",
        "check.body_missing": "error",
        "check.field_missing": "error",
    }


async def test_a_body_without_measures_is_a_warning(suite: Suite) -> None:
    cid = await suite.new_congress()
    body = (
        "城区老旧小区停车位严重不足，夜间占道停车普遍，影响消防通道畅通和居民出行安全，群众意见很大，反映多年未能解决。"
    )
    sid = (await suite.draft(cid, "d1", body=body))["id"]
    report = ok(await suite.client.get(f"/suggestions/{sid}/checks", headers=suite.deputy(cid, "d1")))
    assert report["passes"] is True and codes(report["findings"]) == {"check.body_no_measures": "warning"}


async def test_a_near_duplicate_lists_the_registered_one_and_an_unrelated_one_does_not(suite: Suite) -> None:
    cid = await suite.new_congress()
    first = await suite.registered(cid, "d1", **PARKING)
    await suite.registered(cid, "d3", **RIVERS)

    dup = await suite.draft(cid, "d2", **PARKING_REWORDED)
    submitted = await suite.submit(cid, "d2", dup["id"])
    similar = {m["suggestion_id"]: m for m in submitted["similar"]}
    assert first["id"] in similar, submitted["similar"]
    match = similar[first["id"]]
    assert match["score"] > 0.3
    assert match["number"] == first["number"] and match["title"] == PARKING["title"]
    assert match["shared_terms"] and {"停车", "立体"} & set(match["shared_terms"]), match["shared_terms"]
    assert submitted["similar"][0]["suggestion_id"] == first["id"]  # the best match first

    # staff see the same when they check it
    report = ok(await suite.client.get(f"/suggestions/{dup['id']}/checks", headers=suite.staff(cid)))
    assert report["similar"][0]["suggestion_id"] == first["id"] and report["similar"][0]["score"] > 0.3

    unrelated = await suite.submitted(cid, "d4", **SCHOOLS)
    report = ok(await suite.client.get(f"/suggestions/{unrelated['id']}/checks", headers=suite.staff(cid)))
    assert first["id"] not in {m["suggestion_id"] for m in report["similar"]}
    assert dup["id"] not in {m["suggestion_id"] for m in report["similar"]}
    # a suggestion is never similar to itself
    assert unrelated["id"] not in {m["suggestion_id"] for m in report["similar"]}


async def test_similar_suggestions_stay_within_the_congress_and_skip_withdrawn_ones(suite: Suite) -> None:
    cid = await suite.new_congress()
    elsewhere = await suite.new_congress()
    await suite.registered(elsewhere, "d1", **PARKING)
    withdrawn = await suite.submitted(cid, "d3", **PARKING)
    ok(await suite.client.post(f"/suggestions/{withdrawn['id']}/withdraw", headers=suite.deputy(cid, "d3")))

    dup = await suite.submit(cid, "d2", (await suite.draft(cid, "d2", **PARKING_REWORDED))["id"])
    assert dup["similar"] == []


async def test_a_deputy_sees_only_public_or_own_similar_suggestions(suite: Suite) -> None:
    cid = await suite.new_congress()
    unpublished = await suite.submitted(cid, "d1", **PARKING)  # submitted, not registered
    confidential = await suite.registered(cid, "d3", confidential=True, **PARKING)
    public = await suite.registered(cid, "d4", **PARKING)

    mine = await suite.submit(cid, "d2", (await suite.draft(cid, "d2", **PARKING_REWORDED))["id"])
    assert [m["suggestion_id"] for m in mine["similar"]] == [public["id"]]
    report = ok(
        await suite.client.get(f"/suggestions/{mine['suggestion']['id']}/checks", headers=suite.deputy(cid, "d2"))
    )
    assert [m["suggestion_id"] for m in report["similar"]] == [public["id"]]

    # staff see all three
    report = ok(await suite.client.get(f"/suggestions/{mine['suggestion']['id']}/checks", headers=suite.staff(cid)))
    assert {m["suggestion_id"] for m in report["similar"]} == {unpublished["id"], confidential["id"], public["id"]}

    # a deputy sees their own unpublished one
    own = await suite.draft(cid, "d1", **PARKING_REWORDED)
    report = ok(await suite.client.get(f"/suggestions/{own['id']}/checks", headers=suite.deputy(cid, "d1")))
    assert {m["suggestion_id"] for m in report["similar"]} >= {unpublished["id"], public["id"]}
    assert confidential["id"] not in {m["suggestion_id"] for m in report["similar"]}
    assert mine["suggestion"]["id"] not in {m["suggestion_id"] for m in report["similar"]}


# --------------------------------------------------------------------------- return and resubmission


async def test_returned_then_revised_and_resubmitted_keeps_both_versions(suite: Suite) -> None:
    cid = await suite.new_congress()
    staff = suite.staff(cid, "staff-7")
    lead = suite.deputy(cid, "d1")
    s = await suite.submitted(cid, "d1", co_signers=["d2"], body=PARKING["body"])
    sid = s["id"]

    r = await suite.client.post(
        f"/suggestions/{sid}/return",
        json={"reason_code": "too_broad", "text": "  内容较宽泛，请聚焦一个小区的具体问题。 "},
        headers=staff,
    )
    returned = ok(r)
    assert returned["status"] == "returned"
    assert [(x["version"], x["reason_code"], x["text"], x["by"]) for x in returned["returns"]] == [
        (1, "too_broad", "内容较宽泛，请聚焦一个小区的具体问题。", "staff-7")
    ]
    # the deputy reads why
    assert (await suite.read(cid, sid, lead))["returns"][0]["reason_code"] == "too_broad"

    revised = PARKING["body"] + "四是在城关镇幸福小区试点建设立体停车库，明年底前新增泊位三百个。"
    edited = ok(await suite.client.patch(f"/suggestions/{sid}", json={"body": revised}, headers=lead))
    assert edited["status"] == "returned"
    # the co-signer signed the old words: asked again
    assert edited["co_signers"][0]["status"] == "pending"
    error(await suite.client.post(f"/suggestions/{sid}/submit", headers=lead), 409, "suggestion.co_signers_pending")
    await suite.answer(cid, "d2", sid)

    resubmitted = (await suite.submit(cid, "d1", sid))["suggestion"]
    assert resubmitted["status"] == "submitted" and resubmitted["version"] == 2
    assert resubmitted["returns"][0]["text"] == "内容较宽泛，请聚焦一个小区的具体问题。"

    versions = ok(await suite.client.get(f"/suggestions/{sid}/versions", headers=staff))
    assert [(v["number"], v["body"]) for v in versions] == [(1, PARKING["body"]), (2, revised)]
    assert [v["co_signers"] for v in versions] == [["d2"], ["d2"]]
    assert versions[0]["submitted_at"] <= versions[1]["submitted_at"]
    assert ok(await suite.client.get(f"/suggestions/{sid}/versions", headers=lead)) == versions

    events = await suite.wait_events(cid, SUBMITTED, RETURNED, RESUBMITTED, count=3)
    assert [(e["type"], e["subject"]) for e in events] == [(SUBMITTED, sid), (RETURNED, sid), (RESUBMITTED, sid)]
    assert events[1]["data"]["reason_code"] == "too_broad" and events[1]["data"]["returned_by"] == "staff-7"
    assert events[2]["data"]["version"] == 2

    # resubmitted, it can be registered like any other
    assert (await suite.read(cid, sid))["status"] == "submitted"
    assert ok(await suite.client.post(f"/suggestions/{sid}/register", headers=staff))["number"] == "15-2-0001"


@pytest.mark.parametrize("reason", ["format", "too_broad", "duplicate", "out_of_scope"])
async def test_every_reason_code_is_accepted(suite: Suite, reason: str) -> None:
    cid = await suite.new_congress()
    s = await suite.submitted(cid, "d1")
    r = await suite.client.post(
        f"/suggestions/{s['id']}/return", json={"reason_code": reason, "text": "请修改。"}, headers=suite.staff(cid)
    )
    assert ok(r)["returns"][0]["reason_code"] == reason


async def test_only_a_submitted_suggestion_is_returned_and_only_with_a_known_reason(suite: Suite) -> None:
    cid = await suite.new_congress()
    staff = suite.staff(cid)
    registered = await suite.registered(cid, "d1")
    s = await suite.submitted(cid, "d2", **SCHOOLS)
    before = await suite.snapshot(cid)

    body = {"reason_code": "format", "text": "格式不规范。"}
    error(
        await suite.client.post(f"/suggestions/{registered['id']}/return", json=body, headers=staff),
        409,
        "suggestion.not_returnable",
    )
    bad = {"reason_code": "too_long", "text": "太长了。"}
    error(await suite.client.post(f"/suggestions/{s['id']}/return", json=bad, headers=staff), 422, "request.invalid")
    blank = {"reason_code": "format", "text": "   "}
    error(await suite.client.post(f"/suggestions/{s['id']}/return", json=blank, headers=staff), 422, "request.invalid")
    error(
        await suite.client.post(f"/suggestions/{s['id']}/return", json={"reason_code": "format"}, headers=staff),
        422,
        "request.invalid",
    )
    # deputies do not return suggestions
    error(
        await suite.client.post(f"/suggestions/{s['id']}/return", json=body, headers=suite.deputy(cid, "d2")),
        403,
        "auth.role_not_allowed",
    )
    assert await suite.snapshot(cid) == before

    returned = ok(await suite.client.post(f"/suggestions/{s['id']}/return", json=body, headers=staff))
    # returned twice without a resubmission: not returnable
    error(
        await suite.client.post(f"/suggestions/{s['id']}/return", json=body, headers=staff),
        409,
        "suggestion.not_returnable",
    )
    # nor registrable while returned
    error(await suite.client.post(f"/suggestions/{s['id']}/register", headers=staff), 409, "suggestion.not_registrable")
    kept = [{k: v for k, v in x.items() if k != "at"} for x in (await suite.read(cid, s["id"]))["returns"]]
    assert kept == [{"version": 1, "reason_code": "format", "text": "格式不规范。", "by": "staff-1"}]
    assert len(returned["returns"]) == 1


# --------------------------------------------------------------------------- withdrawal


async def test_withdrawal_before_registration(suite: Suite) -> None:
    cid = await suite.new_congress()
    lead = suite.deputy(cid, "d1")
    draft = await suite.draft(cid, "d1")
    assert ok(await suite.client.post(f"/suggestions/{draft['id']}/withdraw", headers=lead))["status"] == "withdrawn"

    submitted = await suite.submitted(cid, "d1", **SCHOOLS)
    assert (
        ok(await suite.client.post(f"/suggestions/{submitted['id']}/withdraw", headers=lead))["status"] == "withdrawn"
    )

    returned = await suite.submitted(cid, "d1", **RIVERS)
    ok(
        await suite.client.post(
            f"/suggestions/{returned['id']}/return",
            json={"reason_code": "format", "text": "请修改格式。"},
            headers=suite.staff(cid),
        )
    )
    assert ok(await suite.client.post(f"/suggestions/{returned['id']}/withdraw", headers=lead))["status"] == "withdrawn"

    # a withdrawn one is withdrawn for good: not submitted, edited, registered or withdrawn again
    sid = submitted["id"]
    error(await suite.client.post(f"/suggestions/{sid}/submit", headers=lead), 409, "suggestion.not_submittable")
    error(
        await suite.client.patch(f"/suggestions/{sid}", json={"title": "关于再改的建议"}, headers=lead),
        409,
        "suggestion.not_editable",
    )
    error(
        await suite.client.post(f"/suggestions/{sid}/register", headers=suite.staff(cid)),
        409,
        "suggestion.not_registrable",
    )
    error(await suite.client.post(f"/suggestions/{sid}/withdraw", headers=lead), 409, "suggestion.not_withdrawable")

    # others learn of a withdrawal only if it had been submitted: two events, not three
    events = await suite.wait_events(cid, WITHDRAWN, count=2)
    await suite.settle()
    events = await suite.tap.events(cid, WITHDRAWN)
    assert sorted(e["subject"] for e in events) == sorted([submitted["id"], returned["id"]])
    listed = {x["id"] for x in (await suite.listing(cid, status="withdrawn"))["data"]}
    assert {submitted["id"], returned["id"]} <= listed


async def test_a_draft_withdrawn_before_submission_stays_out_of_staff_sight(suite: Suite) -> None:
    cid = await suite.new_congress()
    draft = await suite.draft(cid, "d1")
    ok(await suite.client.post(f"/suggestions/{draft['id']}/withdraw", headers=suite.deputy(cid, "d1")))
    assert (await suite.read(cid, draft["id"], suite.deputy(cid, "d1")))["status"] == "withdrawn"
    assert (await suite.listing(cid))["count"] == 0
    assert (await suite.listing(cid, status="withdrawn"))["count"] == 0
    r = await suite.client.get(f"/suggestions/{draft['id']}", headers=suite.staff(cid))
    error(r, 404, "suggestion.not_found")


async def test_no_withdrawal_after_registration(suite: Suite) -> None:
    cid = await suite.new_congress()
    s = await suite.registered(cid, "d1")
    before = await suite.snapshot(cid)
    r = await suite.client.post(f"/suggestions/{s['id']}/withdraw", headers=suite.deputy(cid, "d1"))
    error(r, 409, "suggestion.not_withdrawable")
    assert await suite.snapshot(cid) == before
    assert (await suite.read(cid, s["id"]))["status"] == "registered"
