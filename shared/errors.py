"""Domain errors with stable codes, and the one place that maps them to HTTP."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("shared.errors")


class DomainError(Exception):
    """Base of every error a rule or a lookup raises; `code` is stable and documented."""

    status_code = 400

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know it exists."""

    status_code = 404


class Conflict(DomainError):
    """The thing exists but is in the wrong state for this action."""

    status_code = 409


class Invalid(DomainError):
    """The input breaks a rule."""

    status_code = 422


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status_code = 403


class Unauthenticated(DomainError):
    """No valid credentials."""

    status_code = 401


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON every error response carries."""
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return body


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and stray HTTP errors to one JSON shape."""

    async def on_domain_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        return JSONResponse(error_body(exc.code, exc.message, exc.details or None), exc.status_code, headers=headers)

    async def on_validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = [{"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")} for e in exc.errors()]
        return JSONResponse(error_body("request.invalid", "The request is not valid.", details), 422)

    async def on_http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        codes = {404: "route.not_found", 405: "route.method_not_allowed", 413: "request.too_large"}
        code = codes.get(exc.status_code, f"http.{exc.status_code}")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code)

    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal.error", "Something went wrong on our side."), 500)

    app.add_exception_handler(Exception, on_unexpected)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
