"""Every error a service returns has one JSON shape and the status its kind implies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from shared.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unauthenticated, install_error_handlers


class NewThing(BaseModel):
    title: str = Field(min_length=1)
    count: int


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/not-found")
    async def not_found() -> None:
        raise NotFound("suggestion.not_found", "No such suggestion.")

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict("suggestion.already_registered", "The suggestion is registered already.", number="15-2-0001")

    @app.get("/invalid")
    async def invalid() -> None:
        raise Invalid("suggestion.field_unknown", "The field is not one this congress uses.", allowed=["城乡建设"])

    @app.get("/forbidden")
    async def forbidden() -> None:
        raise Forbidden("auth.role_not_allowed", "Your role may not do this.")

    @app.get("/unauthenticated")
    async def unauthenticated() -> None:
        raise Unauthenticated("auth.missing", "A bearer token is required.")

    @app.get("/bug")
    async def bug() -> None:
        raise ZeroDivisionError("a bug")

    @app.post("/things")
    async def create(thing: NewThing) -> dict[str, str]:
        return {"title": thing.title}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://test") as c:
        yield c


async def test_an_unexpected_error_is_a_json_500_without_internals() -> None:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        r = await c.get("/bug")
    assert r.status_code == 500
    assert r.json() == {"error": {"code": "internal.error", "message": "Something went wrong on our side."}}
    assert "ZeroDivision" not in r.text


@pytest.mark.parametrize(
    ("path", "status", "code", "message"),
    [
        ("/not-found", 404, "suggestion.not_found", "No such suggestion."),
        ("/conflict", 409, "suggestion.already_registered", "The suggestion is registered already."),
        ("/invalid", 422, "suggestion.field_unknown", "The field is not one this congress uses."),
        ("/forbidden", 403, "auth.role_not_allowed", "Your role may not do this."),
        ("/unauthenticated", 401, "auth.missing", "A bearer token is required."),
    ],
)
async def test_domain_errors_map_to_their_status_and_one_json_shape(
    client: httpx.AsyncClient, path: str, status: int, code: str, message: str
) -> None:
    response = await client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"] == message


async def test_details_are_included_when_the_error_has_them(client: httpx.AsyncClient) -> None:
    assert (await client.get("/conflict")).json()["error"]["details"] == {"number": "15-2-0001"}
    assert (await client.get("/invalid")).json()["error"]["details"] == {"allowed": ["城乡建设"]}


async def test_an_error_without_details_has_only_code_and_message(client: httpx.AsyncClient) -> None:
    assert set((await client.get("/not-found")).json()["error"]) == {"code", "message"}


async def test_unauthenticated_asks_for_a_bearer_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/unauthenticated")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["/not-found", "/conflict", "/invalid", "/forbidden"])
async def test_other_errors_do_not_ask_for_a_bearer_token(client: httpx.AsyncClient, path: str) -> None:
    assert "www-authenticate" not in (await client.get(path)).headers


async def test_a_body_breaking_its_model_is_request_invalid_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"title": "ok", "count": "many"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "request.invalid"
    assert error["message"]
    assert [d["loc"] for d in error["details"]] == [["body", "count"]]
    assert all({"loc", "type", "msg"} <= set(d) for d in error["details"])


async def test_every_broken_field_is_named(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"title": ""})
    assert response.status_code == 422
    locs = sorted(tuple(d["loc"]) for d in response.json()["error"]["details"])
    assert locs == [("body", "count"), ("body", "title")]


async def test_a_body_that_is_not_json_is_request_invalid(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"


async def test_a_good_body_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"title": "ok", "count": 2})
    assert response.status_code == 200
    assert response.json() == {"title": "ok"}


async def test_an_unknown_route_has_the_same_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "route.not_found"


async def test_a_wrong_method_has_the_same_shape(client: httpx.AsyncClient) -> None:
    response = await client.delete("/not-found")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "route.method_not_allowed"


def test_every_error_kind_is_a_domain_error_with_its_code_and_message() -> None:
    for kind, status in [(NotFound, 404), (Conflict, 409), (Invalid, 422), (Forbidden, 403), (Unauthenticated, 401)]:
        error = kind("some.code", "Some message.", key="value")
        assert isinstance(error, DomainError)
        assert (error.status_code, error.code, error.message, str(error)) == (
            status,
            "some.code",
            "Some message.",
            "Some message.",
        )
        assert error.details == {"key": "value"}
