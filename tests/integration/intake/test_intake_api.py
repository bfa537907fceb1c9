"""Intake's API against the real servers: bad input writes nothing; numbers have no gaps or doubles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr
from pymongo import AsyncMongoClient

from services.intake.main import create_app
from services.intake.settings import IntakeSettings
from shared.auth import Role
from shared.testing.helpers import running, settings_for, token
from shared.testing.journeys import SAMPLE
from shared.testing.servers import Servers


@pytest.fixture
def settings(servers: Servers, namespace: str) -> IntakeSettings:
    return settings_for(IntakeSettings, servers, namespace)


@pytest.fixture
async def intake(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as client:
        yield client


async def count_written(servers: Servers, settings: IntakeSettings) -> int:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongo_url)
    try:
        return await client[settings.database_name]["suggestions"].count_documents({})
    finally:
        await client.close()


BAD_BODIES = [
    pytest.param({k: v for k, v in SAMPLE.items() if k != "title"}, "request.invalid", 422, id="missing-title"),
    pytest.param({k: v for k, v in SAMPLE.items() if k != "body"}, "request.invalid", 422, id="missing-body"),
    pytest.param({**SAMPLE, "title": "关" * 201}, "request.invalid", 422, id="title-too-long"),
    pytest.param({**SAMPLE, "body": "长" * 20_001}, "request.invalid", 422, id="body-too-long"),
    pytest.param({**SAMPLE, "body": "太短"}, "request.invalid", 422, id="body-too-short"),
    pytest.param({**SAMPLE, "confidential": "maybe"}, "request.invalid", 422, id="wrong-type"),
    pytest.param({**SAMPLE, "co_signers": "dep-2"}, "request.invalid", 422, id="co-signers-not-a-list"),
    pytest.param({**SAMPLE, "kind": "sometimes"}, "request.invalid", 422, id="unknown-kind"),
    pytest.param({**SAMPLE, "priority": "high"}, "request.invalid", 422, id="unknown-field"),
    pytest.param({**SAMPLE, "field": "天文"}, "suggestion.field_unknown", 422, id="field-not-of-this-congress"),
    pytest.param({**SAMPLE, "body": "长" * 600_000}, "request.too_large", 413, id="oversize-request"),
]


@pytest.mark.parametrize(("body", "code", "status"), BAD_BODIES)
async def test_bad_submission_gets_a_stable_code_and_writes_nothing(
    intake: httpx.AsyncClient,
    settings: IntakeSettings,
    servers: Servers,
    body: dict[str, object],
    code: str,
    status: int,
) -> None:
    r = await intake.post("/suggestions", json=body, headers=token(settings, "dep-1", Role.DEPUTY))
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert await count_written(servers, settings) == 0


async def test_not_json_is_refused(intake: httpx.AsyncClient, settings: IntakeSettings, servers: Servers) -> None:
    r = await intake.post(
        "/suggestions",
        content=b"title=x",
        headers={**token(settings, "dep-1", Role.DEPUTY), "content-type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "request.invalid"
    assert await count_written(servers, settings) == 0


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        pytest.param({}, 401, "auth.missing", id="no-token"),
        pytest.param({"Authorization": "Bearer not-a-jwt"}, 401, "auth.token_invalid", id="garbage-token"),
        pytest.param("staff", 403, "auth.role_not_allowed", id="staff-cannot-submit"),
        pytest.param("unit", 403, "auth.role_not_allowed", id="unit-cannot-submit"),
        pytest.param("other-secret", 401, "auth.token_invalid", id="token-from-elsewhere"),
    ],
)
async def test_submit_refuses_who_may_not(
    intake: httpx.AsyncClient,
    settings: IntakeSettings,
    servers: Servers,
    headers: dict[str, str] | str,
    status: int,
    code: str,
) -> None:
    if headers == "staff":
        headers = token(settings, "staff-1", Role.STAFF)
    elif headers == "unit":
        headers = token(settings, "u-1", Role.UNIT_HANDLER, unit_id="unit-9")
    elif headers == "other-secret":
        headers = token(
            settings.model_copy(update={"jwt_secret": SecretStr("another-secret-entirely-0123456789")}),
            "d",
            Role.DEPUTY,
        )
    assert isinstance(headers, dict)
    r = await intake.post("/suggestions", json=SAMPLE, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert await count_written(servers, settings) == 0


async def test_deputies_see_their_own_and_congresses_are_apart(
    intake: httpx.AsyncClient, settings: IntakeSettings
) -> None:
    mine = await intake.post(
        "/suggestions",
        json={**SAMPLE, "co_signers": [{"id": "dep-2", "name": "李明"}]},
        headers=token(settings, "dep-1", Role.DEPUTY),
    )
    sid = mine.json()["id"]
    assert (await intake.get(f"/suggestions/{sid}", headers=token(settings, "dep-2", Role.DEPUTY))).status_code == 200
    r = await intake.get(f"/suggestions/{sid}", headers=token(settings, "dep-3", Role.DEPUTY))
    assert r.status_code == 404 and r.json()["error"]["code"] == "suggestion.not_found"
    other_congress = token(settings, "staff-x", Role.STAFF, congress_id="c2")
    assert (await intake.get(f"/suggestions/{sid}", headers=other_congress)).status_code == 404
    assert (await intake.get("/suggestions", headers=other_congress)).json()["count"] == 0
    assert (await intake.get("/suggestions", headers=token(settings, "dep-3", Role.DEPUTY))).json()["count"] == 0
    assert (await intake.get("/suggestions", headers=token(settings, "dep-2", Role.DEPUTY))).json()["count"] == 1
    # registering is staff work, and only once
    staff = token(settings, "staff-1", Role.STAFF)
    r = await intake.post(f"/suggestions/{sid}/register", headers=token(settings, "dep-1", Role.DEPUTY))
    assert r.status_code == 403
    assert (await intake.post(f"/suggestions/{sid}/register", headers=staff)).status_code == 200
    r = await intake.post(f"/suggestions/{sid}/register", headers=staff)
    assert r.status_code == 409 and r.json()["error"]["code"] == "suggestion.already_registered"
    r = await intake.post("/suggestions/nope/register", headers=staff)
    assert r.status_code == 404


async def test_concurrent_registrations_number_without_gaps_or_doubles(
    intake: httpx.AsyncClient, settings: IntakeSettings
) -> None:
    deputy = token(settings, "dep-1", Role.DEPUTY)
    staff = token(settings, "staff-1", Role.STAFF)
    ids = []
    for _ in range(30):
        ids.append((await intake.post("/suggestions", json=SAMPLE, headers=deputy)).json()["id"])
    other_session = (await intake.post("/suggestions", json={**SAMPLE, "session": "15-3"}, headers=deputy)).json()["id"]
    results = await asyncio.gather(
        *(intake.post(f"/suggestions/{i}/register", headers=staff) for i in [*ids, other_session])
    )
    assert all(r.status_code == 200 for r in results), [r.text for r in results if r.status_code != 200]
    numbers = sorted(r.json()["number"] for r in results[:-1])
    assert numbers == [f"15-2-{n:04d}" for n in range(1, 31)]
    assert results[-1].json()["number"] == "15-3-0001"


async def test_readiness_and_openapi(intake: httpx.AsyncClient) -> None:
    r = await intake.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"] == {"mongodb": True, "broker": True}
    assert (await intake.get("/healthz")).json() == {"status": "ok"}
    paths = (await intake.get("/openapi.json")).json()["paths"]
    assert {"/suggestions", "/suggestions/{suggestion_id}", "/suggestions/{suggestion_id}/register"} <= set(paths)


async def test_oversize_body_without_a_length_is_refused_too(
    intake: httpx.AsyncClient, settings: IntakeSettings, servers: Servers
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "x", "body": "'
        for _ in range(40):
            yield b"a" * 65_536
        yield b'", "field": "\xe5\x9f\x8e\xe4\xb9\xa1\xe5\xbb\xba\xe8\xae\xbe"}'

    headers = {**token(settings, "dep-1", Role.DEPUTY), "content-type": "application/json"}
    r = await intake.post("/suggestions", content=chunks(), headers=headers)
    assert r.status_code == 413 and r.json()["error"]["code"] == "request.too_large"
    assert await count_written(servers, settings) == 0
