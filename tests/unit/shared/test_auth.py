"""Bearer tokens: issuing, verifying, roles, the development CLI, and the production secret guard."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from shared.auth import Principal, Role, decode_token, issue_token, main
from shared.errors import Unauthenticated
from shared.settings import DEV_SECRET, ServiceSettings

SECRET = "unit-test-secret-0123456789abcdef0123456789"
OTHER_SECRET = "another-secret-0123456789abcdef0123456789ab"
SETTINGS = ServiceSettings(environment="development", jwt_secret=SecretStr(SECRET))


def _settings(**overrides: Any) -> ServiceSettings:
    args: dict[str, Any] = {"environment": "development", "jwt_secret": SecretStr(SECRET)}
    args.update(overrides)
    return ServiceSettings(**args)


def _raw_token(settings: ServiceSettings = SETTINGS, **claims: Any) -> str:
    now = int(time.time())
    body: dict[str, Any] = {
        "sub": "d-1",
        "congress_id": "city-15",
        "roles": ["deputy"],
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + 600,
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def _refused(token: str, settings: ServiceSettings = SETTINGS) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as info:
        decode_token(settings, token)
    assert info.value.status_code == 401
    return info.value


# --- issue and decode -----------------------------------------------------------------------


def test_a_token_round_trips_into_the_same_principal() -> None:
    token = issue_token(
        SETTINGS,
        subject="u-7",
        congress_id="city-15",
        roles=[Role.UNIT_HANDLER, "staff"],
        name="张三",
        unit_id="unit-traffic",
    )
    principal = decode_token(SETTINGS, token)
    assert principal == Principal(
        subject="u-7",
        congress_id="city-15",
        roles=frozenset({Role.UNIT_HANDLER, Role.STAFF}),
        name="张三",
        unit_id="unit-traffic",
    )


def test_a_token_without_name_or_unit_decodes_with_defaults() -> None:
    principal = decode_token(SETTINGS, issue_token(SETTINGS, subject="d-1", congress_id="city-15", roles=["deputy"]))
    assert principal.subject == "d-1"
    assert principal.roles == frozenset({Role.DEPUTY})
    assert principal.name == ""
    assert principal.unit_id is None


def test_a_token_carries_issuer_audience_and_lifetime() -> None:
    token = issue_token(SETTINGS, subject="d-1", congress_id="city-15", roles=["deputy"], ttl_seconds=120)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience=SETTINGS.jwt_audience)
    assert claims["iss"] == SETTINGS.jwt_issuer
    assert claims["aud"] == SETTINGS.jwt_audience
    assert claims["exp"] - claims["iat"] == 120


def test_issuing_a_token_with_an_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError):
        issue_token(SETTINGS, subject="d-1", congress_id="city-15", roles=["emperor"])


def test_an_expired_token_is_refused_as_expired() -> None:
    token = issue_token(SETTINGS, subject="d-1", congress_id="city-15", roles=["deputy"], ttl_seconds=-10)
    assert _refused(token).code == "auth.token_expired"


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = issue_token(_settings(jwt_secret=SecretStr(OTHER_SECRET)), subject="d-1", congress_id="c", roles=["admin"])
    assert _refused(token).code == "auth.token_invalid"


def test_a_token_for_another_audience_is_refused() -> None:
    token = issue_token(_settings(jwt_audience="another-suite"), subject="d-1", congress_id="c", roles=["deputy"])
    assert _refused(token).code == "auth.token_invalid"


def test_a_token_from_another_issuer_is_refused() -> None:
    token = issue_token(_settings(jwt_issuer="someone-else"), subject="d-1", congress_id="c", roles=["deputy"])
    assert _refused(token).code == "auth.token_invalid"


@pytest.mark.parametrize("congress_id", [None, "", 15], ids=["missing", "empty", "not-a-string"])
def test_a_token_naming_no_congress_is_refused(congress_id: Any) -> None:
    token = _raw_token(congress_id=congress_id)
    assert _refused(token).code == "auth.token_invalid"


def test_a_token_naming_an_unknown_role_is_refused() -> None:
    assert _refused(_raw_token(roles=["deputy", "emperor"])).code == "auth.token_invalid"


@pytest.mark.parametrize("claim", ["sub", "exp", "iat"])
def test_a_token_missing_a_required_claim_is_refused(claim: str) -> None:
    assert _refused(_raw_token(**{claim: None})).code == "auth.token_invalid"


def test_an_unsigned_token_is_refused() -> None:
    claims = jwt.decode(_raw_token(), options={"verify_signature": False})
    token = jwt.encode(claims, key=None, algorithm="none")
    assert _refused(token).code == "auth.token_invalid"


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_garbage_is_refused(token: str) -> None:
    assert _refused(token).code == "auth.token_invalid"


# --- Principal.has ---------------------------------------------------------------------------


def _principal(*roles: Role) -> Principal:
    return Principal(subject="p", congress_id="city-15", roles=frozenset(roles))


def test_has_is_true_for_a_held_role_and_false_otherwise() -> None:
    deputy = _principal(Role.DEPUTY)
    assert deputy.has(Role.DEPUTY)
    assert not deputy.has(Role.STAFF)
    assert not deputy.has()


def test_has_is_true_when_any_of_the_roles_is_held() -> None:
    staff = _principal(Role.STAFF, Role.EVALUATOR)
    assert staff.has(Role.LEADER, Role.EVALUATOR)
    assert not staff.has(Role.LEADER, Role.UNIT_HANDLER)


@pytest.mark.parametrize("role", list(Role))
def test_an_admin_holds_every_role(role: Role) -> None:
    assert _principal(Role.ADMIN).has(role)


# --- the development CLI -------------------------------------------------------------------


class _IntakeEnvSettings(ServiceSettings):
    model_config = ServiceSettings.model_config | SettingsConfigDict(env_prefix="INTAKE_")


def test_the_cli_prints_a_token_signed_with_the_secret_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INTAKE_JWT_SECRET", SECRET)
    monkeypatch.setenv("INTAKE_ENVIRONMENT", "development")
    main(
        [
            "--sub", "d-1",
            "--congress", "city-15",
            "--role", "deputy",
            "--role", "unit_handler",
            "--name", "张三",
            "--unit", "unit-traffic",
            "--ttl", "60",
        ]
    )  # fmt: skip
    token = capsys.readouterr().out.strip()
    assert "\n" not in token
    principal = decode_token(_IntakeEnvSettings(), token)
    assert principal == Principal(
        subject="d-1",
        congress_id="city-15",
        roles=frozenset({Role.DEPUTY, Role.UNIT_HANDLER}),
        name="张三",
        unit_id="unit-traffic",
    )
    # and it really used the secret from the environment, not the built-in development one
    with pytest.raises(Unauthenticated):
        decode_token(_settings(jwt_secret=SecretStr(DEV_SECRET)), token)


def test_the_cli_reads_another_prefix_when_told(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NOTIFY_JWT_SECRET", OTHER_SECRET)
    main(["--sub", "d-1", "--congress", "city-15", "--role", "staff", "--env-prefix", "NOTIFY_"])
    token = capsys.readouterr().out.strip()
    assert decode_token(_settings(jwt_secret=SecretStr(OTHER_SECRET)), token).roles == frozenset({Role.STAFF})


def test_the_cli_refuses_an_unknown_role(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--sub", "d-1", "--congress", "city-15", "--role", "emperor"])
    assert info.value.code == 2
    assert capsys.readouterr().out == ""


# --- the production guard --------------------------------------------------------------------


@pytest.mark.parametrize("secret", [DEV_SECRET, "dev-secret-change-me", "changethis", "secret", ""])
def test_production_refuses_a_placeholder_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="jwt_secret"):
        ServiceSettings(environment="production", jwt_secret=SecretStr(secret))


@pytest.mark.parametrize("secret", ["x", "short-but-real-looking-1234", " CHANGEME "])
def test_production_refuses_a_short_or_disguised_placeholder(secret: str) -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        ServiceSettings(environment="production", jwt_secret=SecretStr(secret))


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(environment="production")


def test_production_accepts_a_real_secret() -> None:
    settings = ServiceSettings(environment="production", jwt_secret=SecretStr(SECRET))
    assert settings.jwt_secret.get_secret_value() == SECRET


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_accept_the_placeholder(environment: str) -> None:
    settings = ServiceSettings(environment=environment, jwt_secret=SecretStr(DEV_SECRET))
    assert settings.jwt_secret.get_secret_value() == DEV_SECRET


def test_a_service_started_in_production_from_the_environment_without_a_secret_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTAKE_ENVIRONMENT", "production")
    monkeypatch.delenv("INTAKE_JWT_SECRET", raising=False)
    with pytest.raises(ValidationError):
        _IntakeEnvSettings()
    monkeypatch.setenv("INTAKE_JWT_SECRET", SECRET)
    assert _IntakeEnvSettings().environment == "production"
