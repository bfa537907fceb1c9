"""Drafts and co-signing (联名/附议): who may write, read and answer, and what blocks a submission."""

from __future__ import annotations

import pytest
from intake_support import PARKING, SCHOOLS, Suite, error, ok

pytestmark = pytest.mark.asyncio(loop_scope="module")

CO_SIGNING_REQUESTED = "intake.suggestion.co_signing_requested.v1"


async def test_only_deputies_of_the_directory_start_drafts(suite: Suite) -> None:
    cid = await suite.new_congress()
    r = await suite.client.post("/suggestions", json=PARKING, headers=suite.deputy(cid, "nobody"))
    error(r, 404, "deputy.not_found")
    ok(await suite.client.put("/deputies/d6", json={"name": "孙丽", "active": False}, headers=suite.staff(cid)))
    error(
        await suite.client.post("/suggestions", json=PARKING, headers=suite.deputy(cid, "d6")), 422, "deputy.inactive"
    )
    # a deputy token for a congress that is not set up
    r = await suite.client.post("/suggestions", json=PARKING, headers=suite.deputy("c-not-set-up", "d1"))
    error(r, 404, "congress.not_found")
    assert (await suite.counts(cid))["suggestions"] == 0


@pytest.mark.parametrize("origin", ["liaison_station", "motion", "lower_congress"])
async def test_a_deputy_draft_comes_from_the_deputy_or_a_forum(suite: Suite, origin: str) -> None:
    cid = await suite.new_congress()
    dep = suite.deputy(cid, "d1")
    err = error(
        await suite.client.post("/suggestions", json={**PARKING, "origin": origin}, headers=dep),
        422,
        "suggestion.origin_not_allowed",
    )
    assert sorted(err["details"]["allowed"]) == ["deputies_forum", "deputy"]
    assert (await suite.counts(cid))["suggestions"] == 0
    assert (await suite.draft(cid, "d1", origin="deputies_forum"))["origin"] == "deputies_forum"
    assert (await suite.draft(cid, "d1"))["origin"] == "deputy"


async def test_co_signers_must_be_active_deputies_of_the_congress(suite: Suite) -> None:
    cid = await suite.new_congress()
    other = await suite.new_congress(deputies=[("d9", "外地代表", "某代表团")])
    ok(await suite.client.put("/deputies/d6", json={"name": "孙丽", "active": False}, headers=suite.staff(cid)))
    dep = suite.deputy(cid, "d1")

    body = {**PARKING, "co_signers": [{"id": "d2"}, {"id": "d9"}, {"id": "ghost"}]}
    err = error(await suite.client.post("/suggestions", json=body, headers=dep), 422, "co_signer.unknown")
    assert sorted(err["details"]["deputy_ids"]) == ["d9", "ghost"]  # d9 is a deputy of another congress
    body = {**PARKING, "co_signers": [{"id": "d2"}, {"id": "d6"}]}
    err = error(await suite.client.post("/suggestions", json=body, headers=dep), 422, "co_signer.inactive")
    assert err["details"]["deputy_ids"] == ["d6"]
    assert (await suite.counts(cid))["suggestions"] == 0
    assert (await suite.counts(other))["suggestions"] == 0

    # the same rule when the lead edits the co-signers of a draft
    draft = await suite.draft(cid, "d1")
    r = await suite.client.patch(f"/suggestions/{draft['id']}", json={"co_signers": [{"id": "ghost"}]}, headers=dep)
    error(r, 422, "co_signer.unknown")
    assert (await suite.read(cid, draft["id"], dep))["co_signers"] == []


async def test_drafts_are_the_lead_and_co_signers_business_only(suite: Suite) -> None:
    cid = await suite.new_congress()
    draft = await suite.draft(cid, "d1", co_signers=[{"id": "d2"}, {"id": "d1"}, {"id": "d2"}])
    sid = draft["id"]
    assert draft["status"] == "draft" and draft["number"] is None and draft["version"] == 0
    assert draft["lead_deputy"] == {"id": "d1", "name": "屠永芳", "delegation": "城关代表团"}
    # the lead is not their own co-signer, and a repeat counts once
    assert [(c["id"], c["name"], c["status"]) for c in draft["co_signers"]] == [("d2", "李明", "pending")]

    # another deputy, and staff, are told it does not exist
    for who in (suite.deputy(cid, "d3"), suite.staff(cid)):
        error(await suite.client.get(f"/suggestions/{sid}", headers=who), 404, "suggestion.not_found")
        error(await suite.client.get(f"/suggestions/{sid}/checks", headers=who), 404, "suggestion.not_found")
        error(await suite.client.get(f"/suggestions/{sid}/versions", headers=who), 404, "suggestion.not_found")
    assert (await suite.listing(cid))["count"] == 0
    assert (await suite.listing(cid, status="draft"))["count"] == 0
    assert (await suite.listing(cid, suite.deputy(cid, "d3")))["count"] == 0
    # a deputy of the same id in another congress sees nothing either
    other = await suite.new_congress(deputies=[])
    error(await suite.client.get(f"/suggestions/{sid}", headers=suite.deputy(other, "d1")), 404, "suggestion.not_found")

    # the invited co-signer reads it and finds it among their invitations
    co = suite.deputy(cid, "d2")
    assert (await suite.read(cid, sid, co))["id"] == sid
    invitations = ok(await suite.client.get("/co-signing", headers=co))
    assert [s["id"] for s in invitations["data"]] == [sid] and invitations["count"] == 1
    assert ok(await suite.client.get("/co-signing", headers=suite.deputy(cid, "d3")))["count"] == 0
    mine = await suite.listing(cid, suite.deputy(cid, "d1"))
    assert [s["id"] for s in mine["data"]] == [sid]
    assert [s["id"] for s in (await suite.listing(cid, co))["data"]] == [sid]

    # once answered, it leaves the invitations
    await suite.answer(cid, "d2", sid)
    assert ok(await suite.client.get("/co-signing", headers=co))["count"] == 0

    # the co-signing request was announced, naming the co-signer
    events = await suite.wait_events(cid, CO_SIGNING_REQUESTED, count=1)
    assert [r["id"] for r in events[0]["data"]["requested"]] == ["d2"]
    assert events[0]["subject"] == sid


async def test_staff_cannot_act_on_a_draft(suite: Suite) -> None:
    cid = await suite.new_congress()
    sid = (await suite.draft(cid, "d1"))["id"]
    registered = await suite.registered(cid, "d3", **SCHOOLS)
    staff = suite.staff(cid)
    before = await suite.snapshot(cid)
    for path, body in (
        (f"/suggestions/{sid}/register", None),
        (f"/suggestions/{sid}/return", {"reason_code": "format", "text": "请修改。"}),
        (f"/suggestions/{sid}/pass-up", {}),
        (f"/suggestions/{sid}/merge", {"merge": [registered["id"]]}),
        (f"/suggestions/{registered['id']}/merge", {"merge": [sid]}),
    ):
        error(await suite.client.post(path, json=body, headers=staff), 404, "suggestion.not_found")
    report = ok(await suite.client.post("/suggestions/register", json={"ids": [sid]}, headers=staff))
    assert report["results"][0]["code"] == "suggestion.not_found"
    assert await suite.snapshot(cid) == before


async def test_a_pending_co_signer_blocks_submission(suite: Suite) -> None:
    cid = await suite.new_congress()
    draft = await suite.draft(cid, "d1", co_signers=[{"id": "d2"}, {"id": "d3"}, {"id": "d4"}])
    sid = draft["id"]
    lead = suite.deputy(cid, "d1")
    await suite.answer(cid, "d3", sid)

    err = error(
        await suite.client.post(f"/suggestions/{sid}/submit", headers=lead), 409, "suggestion.co_signers_pending"
    )
    assert sorted(err["details"]["pending"]) == ["d2", "d4"]
    assert (await suite.read(cid, sid, lead))["status"] == "draft"

    await suite.answer(cid, "d2", sid)
    await suite.answer(cid, "d4", sid)
    submitted = await suite.submit(cid, "d1", sid)
    assert submitted["suggestion"]["status"] == "submitted"
    assert submitted["suggestion"]["version"] == 1
    assert [a["id"] for a in submitted["suggestion"]["authors"]] == ["d1", "d2", "d3", "d4"]


async def test_a_co_signer_who_declines_drops_out(suite: Suite) -> None:
    cid = await suite.new_congress()
    sid = (await suite.draft(cid, "d1", co_signers=[{"id": "d2"}, {"id": "d3"}]))["id"]
    await suite.answer(cid, "d2", sid)
    declined = await suite.answer(cid, "d3", sid, confirm=False)
    assert {c["id"]: c["status"] for c in declined["co_signers"]} == {"d2": "confirmed", "d3": "declined"}

    submitted = (await suite.submit(cid, "d1", sid))["suggestion"]
    assert submitted["status"] == "submitted"
    assert [a["id"] for a in submitted["authors"]] == ["d1", "d2"]
    versions = ok(await suite.client.get(f"/suggestions/{sid}/versions", headers=suite.deputy(cid, "d1")))
    assert versions[0]["co_signers"] == ["d2"]
    # the one who declined is no author: not in their list, nor found as an author by staff
    assert (await suite.listing(cid, suite.deputy(cid, "d3")))["count"] == 0
    assert (await suite.listing(cid, deputy="d3"))["count"] == 0
    # nor does the submitted event name them
    events = await suite.wait_events(cid, "intake.suggestion.submitted.v1", count=1)
    assert [c["id"] for c in events[0]["data"]["co_signers"]] == ["d2"]


async def test_a_co_signer_who_declined_may_still_confirm_before_submission(suite: Suite) -> None:
    cid = await suite.new_congress()
    sid = (await suite.draft(cid, "d1", co_signers=[{"id": "d2"}]))["id"]
    await suite.answer(cid, "d2", sid, confirm=False)
    # declined, they still read the draft, so that they can change their mind
    assert (await suite.read(cid, sid, suite.deputy(cid, "d2")))["co_signers"][0]["status"] == "declined"
    answered = await suite.answer(cid, "d2", sid, confirm=True)
    assert {c["id"]: c["status"] for c in answered["co_signers"]} == {"d2": "confirmed"}
    submitted = (await suite.submit(cid, "d1", sid))["suggestion"]
    assert [a["id"] for a in submitted["authors"]] == ["d1", "d2"]


async def test_a_co_signer_answers_until_submission_and_the_lead_is_not_asked(suite: Suite) -> None:
    cid = await suite.new_congress()
    sid = (await suite.draft(cid, "d1", co_signers=[{"id": "d2"}]))["id"]
    await suite.answer(cid, "d2", sid, confirm=True)
    await suite.answer(cid, "d2", sid, confirm=True)  # answering twice is harmless
    await suite.submit(cid, "d1", sid)
    co = suite.deputy(cid, "d2")
    before = await suite.snapshot(cid)
    r = await suite.client.post(f"/suggestions/{sid}/co-signing", json={"confirm": False}, headers=co)
    error(r, 409, "co_signing.closed")
    assert await suite.snapshot(cid) == before
    assert [a["id"] for a in (await suite.read(cid, sid))["authors"]] == ["d1", "d2"]
    # the lead was not asked to co-sign their own suggestion
    sid = (await suite.draft(cid, "d1"))["id"]
    r = await suite.client.post(
        f"/suggestions/{sid}/co-signing", json={"confirm": True}, headers=suite.deputy(cid, "d1")
    )
    error(r, 403, "co_signing.not_asked")
    # a deputy who was never asked does not even see it
    r = await suite.client.post(
        f"/suggestions/{sid}/co-signing", json={"confirm": True}, headers=suite.deputy(cid, "d3")
    )
    error(r, 404, "suggestion.not_found")


async def test_editing_the_text_asks_confirmed_co_signers_again(suite: Suite) -> None:
    cid = await suite.new_congress()
    sid = (await suite.draft(cid, "d1", co_signers=[{"id": "d2"}, {"id": "d3"}]))["id"]
    lead = suite.deputy(cid, "d1")
    await suite.answer(cid, "d2", sid)
    await suite.answer(cid, "d3", sid, confirm=False)

    # changing only the confidential flag is not changing the words they signed
    edited = ok(await suite.client.patch(f"/suggestions/{sid}", json={"confidential": True}, headers=lead))
    assert edited["confidential"] is True
    assert {c["id"]: c["status"] for c in edited["co_signers"]} == {"d2": "confirmed", "d3": "declined"}

    new_body = PARKING["body"] + "四是加强违停治理，建立长效管理机制。"
    edited = ok(await suite.client.patch(f"/suggestions/{sid}", json={"body": new_body}, headers=lead))
    assert edited["body"] == new_body
    assert {c["id"]: c["status"] for c in edited["co_signers"]} == {"d2": "pending", "d3": "declined"}
    assert [s["id"] for s in ok(await suite.client.get("/co-signing", headers=suite.deputy(cid, "d2")))["data"]] == [
        sid
    ]

    err = error(
        await suite.client.post(f"/suggestions/{sid}/submit", headers=lead), 409, "suggestion.co_signers_pending"
    )
    assert err["details"]["pending"] == ["d2"]
    await suite.answer(cid, "d2", sid)
    assert (await suite.submit(cid, "d1", sid))["suggestion"]["body"] == new_body

    # adding a co-signer asks only the new one
    sid = (await suite.draft(cid, "d1", co_signers=[{"id": "d2"}]))["id"]
    await suite.answer(cid, "d2", sid)
    edited = ok(
        await suite.client.patch(f"/suggestions/{sid}", json={"co_signers": [{"id": "d2"}, {"id": "d4"}]}, headers=lead)
    )
    assert {c["id"]: c["status"] for c in edited["co_signers"]} == {"d2": "confirmed", "d4": "pending"}


async def test_only_the_lead_submits_edits_and_withdraws(suite: Suite) -> None:
    cid = await suite.new_congress()
    sid = (await suite.draft(cid, "d1", co_signers=[{"id": "d2"}]))["id"]
    await suite.answer(cid, "d2", sid)
    co = suite.deputy(cid, "d2")
    before = await suite.snapshot(cid)
    error(await suite.client.post(f"/suggestions/{sid}/submit", headers=co), 403, "suggestion.lead_only")
    error(
        await suite.client.patch(f"/suggestions/{sid}", json={"title": "关于别的的建议"}, headers=co),
        403,
        "suggestion.lead_only",
    )
    error(await suite.client.post(f"/suggestions/{sid}/withdraw", headers=co), 403, "suggestion.lead_only")
    # staff are not deputies at all
    staff = suite.staff(cid)
    error(await suite.client.post(f"/suggestions/{sid}/submit", headers=staff), 403, "auth.role_not_allowed")
    error(
        await suite.client.patch(f"/suggestions/{sid}", json={"title": "x"}, headers=staff),
        403,
        "auth.role_not_allowed",
    )
    assert await suite.snapshot(cid) == before


async def test_a_submitted_suggestion_is_no_longer_edited_or_submitted(suite: Suite) -> None:
    cid = await suite.new_congress()
    s = await suite.submitted(cid, "d1")
    lead = suite.deputy(cid, "d1")
    before = await suite.snapshot(cid)
    error(
        await suite.client.patch(f"/suggestions/{s['id']}", json={"title": "关于新标题的建议"}, headers=lead),
        409,
        "suggestion.not_editable",
    )
    error(await suite.client.post(f"/suggestions/{s['id']}/submit", headers=lead), 409, "suggestion.not_submittable")
    assert await suite.snapshot(cid) == before
    # now staff see it
    assert (await suite.read(cid, s["id"]))["status"] == "submitted"
    assert [x["id"] for x in (await suite.listing(cid))["data"]] == [s["id"]]
