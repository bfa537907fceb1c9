"""Intake's HTTP edges against the real servers: bad input on every route gets a 4xx with a stable code and
writes nothing; oversize bodies get 413 with and without a Content-Length; who may not is refused;
health, readiness and the OpenAPI document."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
import pytest_asyncio
from intake_support import DEPUTIES, PARKING, SCHOOLS, Suite, error, ok
from pydantic import SecretStr

from services.intake import spreadsheets
from shared.auth import Role, issue_token
from shared.testing.helpers import token

pytestmark = pytest.mark.asyncio(loop_scope="module")

MIB = 1024 * 1024


@dataclass
class World:
    """A congress of the test's own; its deputies and the suggestions a route needs are made only when asked for.

    Most bad requests are refused before any handler runs; had they not been, the missing deputies or
    suggestions would answer with another code, so the test fails all the same.
    """

    suite: Suite
    cid: str = ""
    made: dict[str, str] = field(default_factory=dict)

    async def id_of(self, what: str) -> str:
        if what in self.made:
            return self.made[what]
        if "deputies" not in self.made:
            await self.suite.add_deputies(self.cid, DEPUTIES)
            self.made["deputies"] = "loaded"
        if what == "draft":
            self.made[what] = (await self.suite.draft(self.cid, "d1", co_signers=[{"id": "d2"}]))["id"]
        elif what == "submitted":
            self.made[what] = (await self.suite.submitted(self.cid, "d1", **SCHOOLS))["id"]
        elif what == "registered":
            self.made[what] = (await self.suite.registered(self.cid, "d3"))["id"]
        elif what != "deputies":
            raise AssertionError(what)
        return self.made[what]


@pytest_asyncio.fixture(loop_scope="module")
async def world(suite: Suite) -> World:
    w = World(suite)
    w.cid = await suite.new_congress(deputies=[])
    return w


CONGRESS = {"name": "某市人大", "level": "city", "term": 15, "session": "15-2"}

# (method, path with {cid}/{draft}/{submitted}/{registered}, who, request kwargs, status, code)
BAD_INPUT = [
    # congresses
    ("PUT", "/congresses/{cid}", "admin", {"json": {**CONGRESS, "colour": "red"}}, 422, "request.invalid"),
    ("PUT", "/congresses/{cid}", "admin", {"json": {**CONGRESS, "term": "fifteen"}}, 422, "request.invalid"),
    ("PUT", "/congresses/{cid}", "admin", {"json": {**CONGRESS, "level": "galaxy"}}, 422, "request.invalid"),
    ("PUT", "/congresses/{cid}", "admin", {"json": {**CONGRESS, "session": "15 2"}}, 422, "request.invalid"),
    ("PUT", "/congresses/{cid}", "admin", {"json": {**CONGRESS, "name": "长" * 101}}, 422, "request.invalid"),
    ("PUT", "/congresses/{cid}", "admin", {"json": {**CONGRESS, "fields": ["x"] * 51}}, 422, "request.invalid"),
    ("PUT", "/congresses/{cid}", "admin", {"json": {**CONGRESS, "fields": ["领" * 21]}}, 422, "request.invalid"),
    ("PUT", "/congresses/{cid}", "admin", {"json": {**CONGRESS, "fields": [" ", ""]}}, 422, "request.invalid"),
    ("PUT", "/congresses/{cid}", "admin", {"json": [CONGRESS]}, 422, "request.invalid"),
    ("PUT", "/congresses/bad%20id", "admin", {"json": CONGRESS}, 422, "request.invalid"),
    # deputies
    ("PUT", "/deputies/d1", "staff", {"json": {"name": "屠永芳", "phone": "call me"}}, 422, "request.invalid"),
    ("PUT", "/deputies/d1", "staff", {"json": {"name": "屠永芳", "email": "nowhere"}}, 422, "deputy.email_invalid"),
    ("PUT", "/deputies/d1", "staff", {"json": {"name": "屠永芳", "rank": 1}}, 422, "request.invalid"),
    ("PUT", "/deputies/d1", "staff", {"json": {"name": "屠永芳", "active": "maybe"}}, 422, "request.invalid"),
    ("PUT", "/deputies/d1", "staff", {"json": {"name": ""}}, 422, "request.invalid"),
    ("PUT", "/deputies/a%20b", "staff", {"json": {"name": "某"}}, 422, "request.invalid"),
    ("POST", "/deputies/import", "staff", {"json": {"file": "deputies.csv"}}, 422, "request.invalid"),
    ("GET", "/deputies?limit=501", "staff", {}, 422, "request.invalid"),
    # drafts
    ("POST", "/suggestions", "d1", {"json": {**PARKING, "title": "关" * 201}}, 422, "request.invalid"),
    ("POST", "/suggestions", "d1", {"json": {**PARKING, "body": "长" * 20_001}}, 422, "request.invalid"),
    ("POST", "/suggestions", "d1", {"json": {**PARKING, "field": "领" * 21}}, 422, "request.invalid"),
    ("POST", "/suggestions", "d1", {"json": {**PARKING, "confidential": "maybe"}}, 422, "request.invalid"),
    ("POST", "/suggestions", "d1", {"json": {**PARKING, "co_signers": "d2"}}, 422, "request.invalid"),
    (
        "POST",
        "/suggestions",
        "d1",
        {"json": {**PARKING, "co_signers": [{"id": "d2", "name": "李明"}]}},
        422,
        "request.invalid",
    ),
    (
        "POST",
        "/suggestions",
        "d1",
        {"json": {**PARKING, "co_signers": [{"id": f"x{i}"} for i in range(201)]}},
        422,
        "request.invalid",
    ),
    ("POST", "/suggestions", "d1", {"json": {**PARKING, "kind": "sometimes"}}, 422, "request.invalid"),
    ("POST", "/suggestions", "d1", {"json": {**PARKING, "origin": "nowhere"}}, 422, "request.invalid"),
    ("POST", "/suggestions", "d1", {"json": {**PARKING, "origin": "motion"}}, 422, "suggestion.origin_not_allowed"),
    ("POST", "/suggestions", "d1", {"json": {**PARKING, "priority": "high"}}, 422, "request.invalid"),
    ("POST", "/suggestions", "d1", {"json": {**PARKING, "title": 7}}, 422, "request.invalid"),
    (
        "POST",
        "/suggestions",
        "d1",
        {"content": b"title=x", "headers": {"content-type": "application/json"}},
        422,
        "request.invalid",
    ),
    ("PATCH", "/suggestions/{draft}", "d1", {"json": {"status": "registered"}}, 422, "request.invalid"),
    ("PATCH", "/suggestions/{draft}", "d1", {"json": {"body": "长" * 20_001}}, 422, "request.invalid"),
    ("PATCH", "/suggestions/{draft}", "d1", {"json": {"confidential": "perhaps"}}, 422, "request.invalid"),
    ("PATCH", "/suggestions/{draft}", "d1", {"json": {"co_signers": [{"id": "bad id"}]}}, 422, "request.invalid"),
    ("POST", "/suggestions/{draft}/co-signing", "d2", {"json": {"confirm": "perhaps"}}, 422, "request.invalid"),
    ("POST", "/suggestions/{draft}/co-signing", "d2", {"json": {}}, 422, "request.invalid"),
    ("POST", "/suggestions/{draft}/co-signing", "d2", {"json": {"confirm": True, "why": "x"}}, 422, "request.invalid"),
    # review and registration
    (
        "POST",
        "/suggestions/{submitted}/return",
        "staff",
        {"json": {"reason_code": "boring", "text": "x"}},
        422,
        "request.invalid",
    ),
    (
        "POST",
        "/suggestions/{submitted}/return",
        "staff",
        {"json": {"reason_code": "format", "text": "x" * 2001}},
        422,
        "request.invalid",
    ),
    (
        "POST",
        "/suggestions/{submitted}/return",
        "staff",
        {"json": {"reason_code": "format", "text": "x", "cc": 1}},
        422,
        "request.invalid",
    ),
    ("POST", "/suggestions/register", "staff", {"json": {"ids": "{submitted}"}}, 422, "request.invalid"),
    (
        "POST",
        "/suggestions/register",
        "staff",
        {"json": {"ids": [f"x{i}" for i in range(1001)]}},
        422,
        "request.invalid",
    ),
    ("POST", "/suggestions/register", "staff", {"json": {"ids": ["{submitted}"], "all": True}}, 422, "request.invalid"),
    ("POST", "/suggestions/{registered}/merge", "staff", {"json": {"merge": "{registered}"}}, 422, "request.invalid"),
    (
        "POST",
        "/suggestions/{registered}/merge",
        "staff",
        {"json": {"merge": [f"x{i}" for i in range(51)]}},
        422,
        "request.invalid",
    ),
    (
        "POST",
        "/suggestions/{registered}/merge",
        "staff",
        {"json": {"merge": ["{submitted}"], "into": "x"}},
        422,
        "request.invalid",
    ),
    ("POST", "/suggestions/{registered}/pass-up", "staff", {"json": {"note": "x" * 2001}}, 422, "request.invalid"),
    ("POST", "/suggestions/{registered}/pass-up", "staff", {"json": {"note": 5}}, 422, "request.invalid"),
    ("POST", "/suggestions/import", "staff", {"json": {"rows": []}}, 422, "request.invalid"),
    # reading
    ("GET", "/suggestions?limit=0", "staff", {}, 422, "request.invalid"),
    ("GET", "/suggestions?limit=201", "staff", {}, 422, "request.invalid"),
    ("GET", "/suggestions?skip=-1", "staff", {}, 422, "request.invalid"),
    ("GET", "/suggestions?status=lost", "staff", {}, 422, "request.invalid"),
    ("GET", "/suggestions?submitted_from=yesterday", "staff", {}, 422, "request.invalid"),
    ("GET", "/suggestions?q=" + "停" * 101, "staff", {}, 422, "request.invalid"),
    ("GET", "/suggestions/export?submitted_to=soon", "staff", {}, 422, "request.invalid"),
    ("GET", "/public/catalogue/{cid}?limit=0", None, {}, 422, "request.invalid"),
    ("GET", "/public/catalogue/{cid}?limit=501", None, {}, 422, "request.invalid"),
]


def _route(case: tuple[Any, ...]) -> str:
    return f"{case[0]} {case[1].split('?')[0]}"


BAD_INPUT_BY_ROUTE: dict[str, list[tuple[Any, ...]]] = {}
for _case in BAD_INPUT:
    BAD_INPUT_BY_ROUTE.setdefault(_route(_case), []).append(_case)


async def _call(suite: Suite, world: World, method: str, path: str, who: str | None, kwargs: dict[str, Any]) -> Any:
    for what in ("draft", "submitted", "registered"):
        if "{" + what + "}" in path or "{" + what + "}" in repr(kwargs):
            ident = await world.id_of(what)
            path = path.replace("{" + what + "}", ident)
            if "json" in kwargs:
                kwargs = {**kwargs, "json": _replace(kwargs["json"], "{" + what + "}", ident)}
    path = path.replace("{cid}", world.cid)
    headers: dict[str, str] = {}
    if who == "admin":
        headers = suite.admin()
    elif who == "staff":
        headers = suite.staff(world.cid)
    elif who is not None:
        headers = suite.deputy(world.cid, who)
    return await suite.client.request(
        method,
        path,
        headers={**headers, **kwargs.get("headers", {})},
        **{k: v for k, v in kwargs.items() if k != "headers"},
    )


def _replace(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, old, new) for k, v in value.items()}
    return value


@pytest.mark.parametrize("route", list(BAD_INPUT_BY_ROUTE))
async def test_bad_input_gets_a_stable_code_and_writes_nothing(suite: Suite, world: World, route: str) -> None:
    """Every bad request of the route, one after the other, on one congress: each refused, none writes."""
    for method, path, who, kwargs, status, code in BAD_INPUT_BY_ROUTE[route]:
        case = f"{method} {path} {str(kwargs)[:80]}"
        for what in ("draft", "submitted", "registered"):  # make what the route needs before counting
            if "{" + what + "}" in path or "{" + what + "}" in repr(kwargs):
                await world.id_of(what)
        before = await suite.snapshot(world.cid)
        r = await _call(suite, world, method, path, who, kwargs)
        assert r.status_code == status, f"{case} → {r.status_code}: {r.text}"
        err = r.json()["error"]
        assert err["code"] == code and err["message"], f"{case} → {err}"
        if code == "request.invalid":
            assert err["details"] and all({"loc", "type", "msg"} <= set(d) for d in err["details"]), case
        assert await suite.snapshot(world.cid) == before, f"{case} wrote something"


# --------------------------------------------------------------------------- oversize bodies


def _json_of_size(size: int) -> bytes:
    return (
        b'{"title": "x", "body": "' + b"a" * size + b'", "field": "\xe5\x9f\x8e\xe4\xb9\xa1\xe5\xbb\xba\xe8\xae\xbe"}'
    )


async def _chunks(prefix: bytes, total: int, suffix: bytes) -> AsyncIterator[bytes]:
    yield prefix
    sent = 0
    while sent < total:
        n = min(256 * 1024, total - sent)
        sent += n
        yield b"a" * n
    yield suffix


OVERSIZE = [
    pytest.param("POST", "/suggestions", "d1", id="draft"),
    pytest.param("PUT", "/deputies/d1", "staff", id="deputy"),
    pytest.param("PUT", "/congresses/{cid}", "admin", id="congress"),
    pytest.param("POST", "/suggestions/register", "staff", id="batch-register"),
]


@pytest.mark.parametrize(("method", "path", "who"), OVERSIZE)
@pytest.mark.parametrize("with_length", [True, False], ids=["with-length", "chunked"])
async def test_an_oversize_json_body_is_refused_before_parsing(
    suite: Suite, world: World, method: str, path: str, who: str, with_length: bool
) -> None:
    before = await suite.snapshot(world.cid)
    headers = {"content-type": "application/json"}
    if with_length:
        content: Any = _json_of_size(MIB + 10)
    else:
        content = _chunks(b'{"title": "x", "body": "', MIB + 10, b'"}')
    r = await _call(suite, world, method, path, who, {"content": content, "headers": headers})
    error(r, 413, "request.too_large")
    if with_length:
        assert "content-length" in {k.lower() for k in r.request.headers}
    else:
        assert "content-length" not in {k.lower() for k in r.request.headers}
    assert await suite.snapshot(world.cid) == before


async def test_a_body_just_under_the_limit_is_read(suite: Suite, world: World) -> None:
    await world.id_of("deputies")
    body = {**PARKING, "body": "长" * 20_000}  # about 60 KB of UTF-8: well under 1 MiB
    r = await suite.client.post("/suggestions", json=body, headers=suite.deputy(world.cid, "d1"))
    assert ok(r, 201)["body"] == "长" * 20_000


@pytest.mark.parametrize("route", ["/deputies/import", "/suggestions/import"])
@pytest.mark.parametrize("with_length", [True, False], ids=["with-length", "chunked"])
async def test_an_oversize_file_is_refused_with_413(suite: Suite, world: World, route: str, with_length: bool) -> None:
    before = await suite.snapshot(world.cid)
    boundary = "testboundary0123"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = spreadsheets.MAX_FILE_BYTES + 128 * 1024
    headers = {**suite.staff(world.cid), "content-type": f"multipart/form-data; boundary={boundary}"}
    content: Any = head + b"a" * size + tail if with_length else _chunks(head, size, tail)
    r = await suite.client.post(route, content=content, headers=headers)
    error(r, 413, "request.too_large")
    assert await suite.snapshot(world.cid) == before


@pytest.mark.parametrize("route", ["/deputies/import", "/suggestions/import"])
async def test_a_file_over_10_mib_but_within_the_body_limit_is_rejected_by_the_import(
    suite: Suite, world: World, route: str
) -> None:
    before = await suite.snapshot(world.cid)
    data = b"a" * (spreadsheets.MAX_FILE_BYTES + 1000)
    r = await suite.client.post(route, files={"file": ("big.csv", data, "text/csv")}, headers=suite.staff(world.cid))
    err = error(r, 422, "import.rejected")
    assert [e["code"] for e in err["details"]["errors"]] == ["import.file_too_large"]
    assert await suite.snapshot(world.cid) == before


# --------------------------------------------------------------------------- who may not


def _forged(suite: Suite, kind: str, cid: str) -> dict[str, str]:
    s = suite.settings
    if kind == "none":
        return {}
    if kind == "garbage":
        return {"Authorization": "Bearer not-a-jwt"}
    if kind == "not-bearer":
        return {"Authorization": "Basic dXNlcjpwYXNz"}
    if kind == "other-secret":
        other = s.model_copy(update={"jwt_secret": SecretStr("another-secret-entirely-0123456789")})
        return token(other, "d1", Role.STAFF, Role.DEPUTY, congress_id=cid)
    if kind == "expired":
        jwt_ = issue_token(s, subject="d1", congress_id=cid, roles=[Role.STAFF, Role.DEPUTY], ttl_seconds=-60)
        return {"Authorization": f"Bearer {jwt_}"}
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "d1",
        "congress_id": cid,
        "roles": ["deputy", "staff"],
        "iss": s.jwt_issuer,
        "aud": s.jwt_audience,
        "iat": now,
        "exp": now + 600,
    }
    if kind == "unknown-role":
        claims["roles"] = ["emperor"]
    elif kind == "no-congress":
        del claims["congress_id"]
    elif kind == "wrong-audience":
        claims["aud"] = "somebody-else"
    return {"Authorization": "Bearer " + jwt.encode(claims, s.jwt_secret.get_secret_value(), algorithm="HS256")}


AUTH_ROUTES = [
    ("POST", "/suggestions", {"json": PARKING}),
    ("GET", "/suggestions", {}),
    ("POST", "/suggestions/{submitted}/register", {}),
    ("POST", "/suggestions/register", {"json": {"ids": ["{submitted}"]}}),
    ("PUT", "/deputies/d9", {"json": {"name": "新代表"}}),
    ("PUT", "/congresses/{cid}", {"json": CONGRESS}),
    ("GET", "/co-signing", {}),
]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("none", 401, "auth.missing"),
        ("not-bearer", 401, "auth.missing"),
        ("garbage", 401, "auth.token_invalid"),
        ("other-secret", 401, "auth.token_invalid"),
        ("expired", 401, "auth.token_expired"),
        ("unknown-role", 401, "auth.token_invalid"),
        ("no-congress", 401, "auth.token_invalid"),
        ("wrong-audience", 401, "auth.token_invalid"),
    ],
)
async def test_no_valid_token_no_entry(suite: Suite, world: World, kind: str, status: int, code: str) -> None:
    world.made.update(submitted="no-such-suggestion")  # refused before any lookup
    before = await suite.snapshot(world.cid)
    headers = _forged(suite, kind, world.cid)
    for method, path, kwargs in AUTH_ROUTES:
        r = await _call(suite, world, method, path, None, {**kwargs, "headers": headers})
        error(r, status, code)
        assert r.headers.get("www-authenticate") == "Bearer"
    assert await suite.snapshot(world.cid) == before


REFUSED = {
    "deputy": [
        ("POST", "/suggestions/{submitted}/register", {}),
        ("POST", "/suggestions/register", {"json": {"ids": ["{submitted}"]}}),
        ("POST", "/suggestions/{submitted}/return", {"json": {"reason_code": "format", "text": "x"}}),
        ("POST", "/suggestions/{submitted}/merge", {"json": {"merge": ["{submitted}"]}}),
        ("POST", "/suggestions/{submitted}/pass-up", {"json": {}}),
        ("POST", "/suggestions/import", {"files": {"file": ("a.xlsx", b"PK", "application/octet-stream")}}),
        ("POST", "/deputies/import", {"files": {"file": ("a.csv", b"x", "text/csv")}}),
        ("PUT", "/deputies/d9", {"json": {"name": "新代表"}}),
        ("PUT", "/congresses/{cid}", {"json": CONGRESS}),
        ("GET", "/suggestions/export", {}),
        ("GET", "/deputies", {}),
    ],
    "staff": [
        ("POST", "/suggestions", {"json": PARKING}),
        ("PATCH", "/suggestions/{draft}", {"json": {"title": "关于改标题的建议"}}),
        ("POST", "/suggestions/{draft}/co-signing", {"json": {"confirm": True}}),
        ("POST", "/suggestions/{submitted}/withdraw", {}),
        ("GET", "/co-signing", {}),
    ],
    "unit_handler": [
        ("POST", "/suggestions", {"json": PARKING}),
        ("POST", "/suggestions/{submitted}/register", {}),
        ("PUT", "/deputies/d9", {"json": {"name": "新代表"}}),
        ("PUT", "/congresses/{cid}", {"json": CONGRESS}),
    ],
    "station": [
        ("POST", "/suggestions", {"json": PARKING}),
        ("POST", "/suggestions/{submitted}/return", {"json": {"reason_code": "format", "text": "x"}}),
    ],
}


@pytest.mark.parametrize("role", list(REFUSED))
async def test_a_role_that_may_not_is_refused(suite: Suite, world: World, role: str) -> None:
    headers = token(suite.settings, f"{role}-1", Role(role), congress_id=world.cid, unit_id="unit-1")
    if role == "deputy":
        headers = suite.deputy(world.cid, "d1")  # the lead of the suggestions, in the directory
    for method, path, kwargs in REFUSED[role]:
        for what in ("draft", "submitted"):
            if "{" + what + "}" in path or "{" + what + "}" in repr(kwargs):
                await world.id_of(what)
        before = await suite.snapshot(world.cid)
        r = await _call(suite, world, method, path, None, {**kwargs, "headers": headers})
        assert r.status_code == 403, f"{role} {method} {path} → {r.status_code}: {r.text}"
        err = r.json()["error"]
        assert err["code"] == "auth.role_not_allowed" and err["details"]["allowed"], f"{role} {method} {path}: {err}"
        assert await suite.snapshot(world.cid) == before, f"{role} {method} {path} wrote something"


async def test_congresses_are_apart(suite: Suite, world: World) -> None:
    sid = await world.id_of("submitted")
    other = await suite.new_congress()
    before = await suite.snapshot(world.cid)
    outsider = suite.staff(other)
    r = await suite.client.get(f"/suggestions/{sid}", headers=outsider)
    error(r, 404, "suggestion.not_found")
    # a refusal does not hand out the case's trace id (that would tell the case exists)
    assert "x-trace-id" not in r.headers
    assert (await suite.client.get(f"/suggestions/{sid}", headers=suite.staff(world.cid))).headers.get("x-trace-id")
    error(await suite.client.post(f"/suggestions/{sid}/register", headers=outsider), 404, "suggestion.not_found")
    r = await suite.client.post(
        f"/suggestions/{sid}/return", json={"reason_code": "format", "text": "x"}, headers=outsider
    )
    error(r, 404, "suggestion.not_found")
    report = ok(await suite.client.post("/suggestions/register", json={"ids": [sid]}, headers=outsider))
    assert report["results"][0]["code"] == "suggestion.not_found"
    assert (await suite.listing(other, outsider))["count"] == 0
    error(await suite.client.get(f"/suggestions/{sid}", headers=suite.deputy(other, "d1")), 404, "suggestion.not_found")
    assert await suite.snapshot(world.cid) == before


# --------------------------------------------------------------------------- health and the API document


async def test_health_readiness_and_openapi(suite: Suite) -> None:
    r = await suite.client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready", "checks": {"mongodb": True, "broker": True}}
    assert ok(await suite.client.get("/healthz")) == {"status": "ok"}
    paths = ok(await suite.client.get("/openapi.json"))["paths"]
    assert {
        "/congresses/{congress_id}",
        "/deputies",
        "/deputies/{deputy_id}",
        "/deputies/import",
        "/suggestions",
        "/suggestions/{suggestion_id}",
        "/suggestions/{suggestion_id}/checks",
        "/suggestions/{suggestion_id}/versions",
        "/suggestions/{suggestion_id}/co-signing",
        "/co-signing",
        "/suggestions/{suggestion_id}/submit",
        "/suggestions/{suggestion_id}/return",
        "/suggestions/{suggestion_id}/withdraw",
        "/suggestions/{suggestion_id}/register",
        "/suggestions/register",
        "/suggestions/{suggestion_id}/merge",
        "/suggestions/{suggestion_id}/pass-up",
        "/suggestions/import",
        "/suggestions/export",
        "/public/catalogue/{congress_id}",
    } <= set(paths)
    assert "patch" in paths["/suggestions/{suggestion_id}"]
    error(await suite.client.get("/no-such-route"), 404, "route.not_found")
    error(await suite.client.delete("/suggestions", headers=suite.admin()), 405, "route.method_not_allowed")
