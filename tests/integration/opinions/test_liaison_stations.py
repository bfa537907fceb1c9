"""Liaison stations against the real servers: an opinion becomes a draft and the constituent sees what became of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.intake.main import create_app
from services.intake.settings import IntakeSettings
from shared.auth import Role
from shared.testing.helpers import running, settings_for, token
from shared.testing.journeys import co_sign, put_deputies, register, set_up_congress
from shared.testing.servers import Servers

TEXT = "小区门口的公交站台没有遮雨棚，老人和学生雨天候车很不方便，希望有关部门尽快加装遮雨设施并增加座椅。"


@pytest.fixture
def settings(servers: Servers, namespace: str) -> IntakeSettings:
    return settings_for(IntakeSettings, servers, namespace)


@pytest.fixture
async def intake(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as client:
        await set_up_congress(client, "", token(settings, "admin", Role.ADMIN), "c1")
        await put_deputies(client, "", token(settings, "staff-1", Role.STAFF))
        yield client


async def test_opinion_taken_up_registered_and_tracked(intake: httpx.AsyncClient, settings: IntakeSettings) -> None:
    station = token(settings, "clerk-1", Role.STATION, station_id="st-chengguan")
    deputy = token(settings, "dep-1", Role.DEPUTY)
    staff = token(settings, "staff-1", Role.STAFF)
    r = await intake.post(
        "/opinions",
        json={
            "station_name": "城关镇人大代表联络站",
            "text": TEXT,
            "channel": "visit",
            "name": "张大爷",
            "phone": "13800000000",
        },
        headers=station,
    )
    assert r.status_code == 201, r.text
    opinion = r.json()
    code = opinion["tracking_code"]
    assert opinion["status"] == "open" and len(code) == 10

    tracked = (await intake.get(f"/public/opinions/{code.lower()}")).json()
    assert tracked["status"] == "open" and "张大爷" not in str(tracked) and "13800000000" not in str(tracked)

    # another deputy sees the opinion but not the constituent's contact
    other = token(settings, "dep-3", Role.DEPUTY)
    seen = (await intake.get(f"/opinions/{opinion['id']}", headers=other)).json()
    assert seen["text"] == TEXT and seen["phone"] == "" and seen["name"] == ""

    r = await intake.post(
        f"/opinions/{opinion['id']}/take-up",
        json={"title": "关于在城关镇公交站台加装遮雨设施的建议", "field": "交通运输"},
        headers=deputy,
    )
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["status"] == "draft" and draft["origin"] == "liaison_station" and draft["opinion_id"] == opinion["id"]
    assert draft["body"] == TEXT
    # a retry gives the same draft; another deputy cannot take it up any more
    again = await intake.post(f"/opinions/{opinion['id']}/take-up", json={}, headers=deputy)
    assert again.status_code == 201 and again.json()["id"] == draft["id"]
    r = await intake.post(f"/opinions/{opinion['id']}/take-up", json={}, headers=other)
    assert r.status_code == 409 and r.json()["error"]["code"] == "opinion.taken_up"

    # the deputy who took it up sees the contact, to reply to the constituent
    mine = (await intake.get(f"/opinions/{opinion['id']}", headers=deputy)).json()
    assert mine["phone"] == "13800000000" and mine["status"] == "taken_up"

    # the draft is private: the public tracking shows no title yet
    tracked = (await intake.get(f"/public/opinions/{code}")).json()
    assert tracked["status"] == "taken_up" and tracked["outcome"]["title"] is None
    assert tracked["outcome"]["suggestion_status"] == "draft"

    body = TEXT + "建议：在站台加装遮雨棚，增设座椅，并纳入年度民生实事项目推进。"
    assert (await intake.patch(f"/suggestions/{draft['id']}", json={"body": body}, headers=deputy)).status_code == 200
    r = await intake.post(f"/suggestions/{draft['id']}/submit", headers=deputy)
    assert r.status_code == 200, r.text
    registered = await register(intake, "", staff, draft["id"])

    tracked = (await intake.get(f"/public/opinions/{code}")).json()
    assert tracked["outcome"]["suggestion_status"] == "registered"
    assert tracked["outcome"]["number"] == registered["number"]
    assert tracked["outcome"]["title"] == "关于在城关镇公交站台加装遮雨设施的建议"
    assert tracked["outcome"]["taken_up_by"] == "屠永芳"


async def test_station_rules(intake: httpx.AsyncClient, settings: IntakeSettings) -> None:
    station = token(settings, "clerk-1", Role.STATION, station_id="st-a")
    other_station = token(settings, "clerk-2", Role.STATION, station_id="st-b")
    deputy = token(settings, "dep-1", Role.DEPUTY)
    # contact or anonymity is required; anonymous keeps nothing personal
    r = await intake.post("/opinions", json={"station_name": "A站", "text": TEXT}, headers=station)
    assert r.status_code == 422 and r.json()["error"]["code"] == "opinion.contact_missing"
    r = await intake.post(
        "/opinions", json={"station_name": "A站", "text": TEXT, "anonymous": True, "name": "不该保存"}, headers=station
    )
    assert r.status_code == 201 and r.json()["name"] == "" and r.json()["anonymous"] is True
    anonymous = r.json()
    # only stations record; a deputy cannot
    r = await intake.post("/opinions", json={"station_name": "A站", "text": TEXT, "anonymous": True}, headers=deputy)
    assert r.status_code == 403
    # a station sees its own opinions only
    assert (await intake.get("/opinions", headers=other_station)).json()["count"] == 0
    assert (await intake.get(f"/opinions/{anonymous['id']}", headers=other_station)).status_code == 404
    assert (await intake.get("/opinions", headers=station)).json()["count"] == 1
    # closing needs a note and only the owning station
    r = await intake.post(f"/opinions/{anonymous['id']}/close", json={"note": "已当场答复"}, headers=other_station)
    assert r.status_code == 404
    r = await intake.post(f"/opinions/{anonymous['id']}/close", json={"note": "已当场答复"}, headers=station)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = await intake.post(f"/opinions/{anonymous['id']}/take-up", json={}, headers=deputy)
    assert r.status_code == 409 and r.json()["error"]["code"] == "opinion.closed"
    # bad input writes nothing
    before = (await intake.get("/opinions", headers=station)).json()["count"]
    for bad in (
        {"station_name": "A站", "text": "短"},
        {"station_name": "A站", "text": TEXT, "channel": "pigeon"},
        {"text": TEXT},
    ):
        r = await intake.post("/opinions", json=bad, headers=station)
        assert r.status_code == 422 and r.json()["error"]["code"] == "request.invalid"
    assert (await intake.get("/opinions", headers=station)).json()["count"] == before
    assert (await intake.get("/public/opinions/NOSUCHCODE")).status_code == 404


async def test_co_signers_confirm_a_take_up_draft(intake: httpx.AsyncClient, settings: IntakeSettings) -> None:
    """A draft made from an opinion is an ordinary draft: co-signers are asked and confirm."""
    station = token(settings, "clerk-1", Role.STATION, station_id="st-a")
    deputy = token(settings, "dep-1", Role.DEPUTY)
    cosigner = token(settings, "dep-2", Role.DEPUTY)
    r = await intake.post("/opinions", json={"station_name": "A站", "text": TEXT, "anonymous": True}, headers=station)
    draft = (await intake.post(f"/opinions/{r.json()['id']}/take-up", json={}, headers=deputy)).json()
    r = await intake.patch(f"/suggestions/{draft['id']}", json={"co_signers": [{"id": "dep-2"}]}, headers=deputy)
    assert r.json()["co_signers"][0]["status"] == "pending"
    invited = (await intake.get("/co-signing", headers=cosigner)).json()
    assert [s["id"] for s in invited["data"]] == [draft["id"]]
    answered = await co_sign(intake, "", cosigner, draft["id"])
    assert answered["co_signers"][0]["status"] == "confirmed"
