"""Bearer JWTs: a principal with subject, congress and roles; route guards; development tokens.

Run `python -m shared.auth --sub d-1 --congress demo --role deputy --name 张三` to print a token.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict

from shared.errors import Forbidden, Unauthenticated
from shared.settings import ServiceSettings


class Role(StrEnum):
    """What a person may do; a token carries one or more."""

    DEPUTY = "deputy"
    STAFF = "staff"
    UNIT_HANDLER = "unit_handler"
    LEADER = "leader"
    EVALUATOR = "evaluator"
    INTEGRATOR = "integrator"
    ADMIN = "admin"
    STATION = "station"


class Principal(BaseModel):
    """Who is calling: subject, the congress they act in, their roles, and their unit if a handler."""

    model_config = ConfigDict(frozen=True)

    subject: str
    congress_id: str
    roles: frozenset[Role]
    name: str = ""
    unit_id: str | None = None
    station_id: str | None = None  # for liaison-station staff (代表联络站)

    def has(self, *roles: Role) -> bool:
        """True when the principal holds any of `roles` (admins hold every role)."""
        return Role.ADMIN in self.roles or any(r in self.roles for r in roles)


def issue_token(
    settings: ServiceSettings,
    *,
    subject: str,
    congress_id: str,
    roles: list[Role] | list[str],
    name: str = "",
    unit_id: str | None = None,
    station_id: str | None = None,
    ttl_seconds: int = 8 * 3600,
) -> str:
    """Sign a token for a principal with the suite's shared secret."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "congress_id": congress_id,
        "roles": [str(Role(r)) for r in roles],
        "name": name,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if unit_id:
        claims["unit_id"] = unit_id
    if station_id:
        claims["station_id"] = station_id
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def decode_token(settings: ServiceSettings, token: str) -> Principal:
    """Verify a token and turn it into a principal; raise Unauthenticated if it is not good."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=["HS256"],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("auth.token_expired", "The token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("auth.token_invalid", "The token is not valid.") from exc
    try:
        roles = frozenset(Role(r) for r in claims.get("roles", []))
    except ValueError as exc:
        raise Unauthenticated("auth.token_invalid", "The token names an unknown role.") from exc
    congress_id = claims.get("congress_id")
    if not isinstance(congress_id, str) or not congress_id:
        raise Unauthenticated("auth.token_invalid", "The token names no congress.")
    return Principal(
        subject=str(claims["sub"]),
        congress_id=congress_id,
        roles=roles,
        name=str(claims.get("name", "")),
        unit_id=claims.get("unit_id"),
        station_id=claims.get("station_id"),
    )


async def current_principal(request: Request) -> Principal:
    """The caller, from the Authorization header."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("auth.missing", "A bearer token is required.")
    settings: ServiceSettings = request.app.state.settings
    return decode_token(settings, token.strip())


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency admitting only principals holding one of `roles`."""

    async def guard(principal: CurrentPrincipal) -> Principal:
        if not principal.has(*roles):
            raise Forbidden("auth.role_not_allowed", "Your role may not do this.", allowed=[str(r) for r in roles])
        return principal

    return guard


def main(argv: list[str] | None = None) -> None:
    """Print a development token."""
    parser = argparse.ArgumentParser(description="Issue a development JWT for the suite.")
    parser.add_argument("--sub", required=True, help="subject: person id")
    parser.add_argument("--congress", required=True, help="congress id")
    parser.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    parser.add_argument("--name", default="")
    parser.add_argument("--unit", default=None, help="unit id, for unit handlers")
    parser.add_argument("--station", default=None, help="liaison station id, for station staff")
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="seconds")
    parser.add_argument("--env-prefix", default="INTAKE_", help="settings prefix to read the secret from")
    args = parser.parse_args(argv)

    class _Settings(ServiceSettings):
        model_config = ServiceSettings.model_config | {"env_prefix": args.env_prefix}

    print(
        issue_token(
            _Settings(),
            subject=args.sub,
            congress_id=args.congress,
            roles=args.role,
            name=args.name,
            unit_id=args.unit,
            station_id=args.station,
            ttl_seconds=args.ttl,
        )
    )


if __name__ == "__main__":
    main()
