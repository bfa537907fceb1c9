"""Settings every service shares; each service subclasses with its own env prefix (INTAKE_, NOTIFY_, ...)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-secret-change-me-not-for-production"
MIN_SECRET_BYTES = 32
PLACEHOLDER_SECRETS = {"changeme", DEV_SECRET, "dev-secret-change-me", "changethis", "secret", ""}


class ServiceSettings(BaseSettings):
    """Connection and behaviour settings common to all five services."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = "development"

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_base_url: str = "http://127.0.0.1:8000"

    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_db: str = ""  # defaults to the service name
    mongo_timeout_ms: int = 5000

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # Prefix of every exchange and queue name: one suite per namespace on a broker.
    bus_namespace: str = "congress"
    prefetch: int = Field(default=32, ge=1, le=1000)
    # Back-off between attempts of a failing handler; after the last, the message is parked.
    retry_delays_ms: list[int] = Field(default_factory=lambda: [1_000, 5_000, 30_000, 120_000])
    # Redeliveries a quorum queue allows before dead-lettering a message that crashes its consumer.
    delivery_limit: int = 20
    outbox_poll_seconds: float = Field(default=5.0, gt=0)

    jwt_secret: SecretStr = SecretStr(DEV_SECRET)
    jwt_issuer: str = "congress-suite"
    jwt_audience: str = "congress-suite"

    @property
    def database_name(self) -> str:
        """The MongoDB database this service owns."""
        return self.mongo_db or self.service_name

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        secret = self.jwt_secret.get_secret_value()
        if self.environment == "production" and (
            secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_BYTES
        ):
            raise ValueError(
                f"jwt_secret must be a real secret of at least {MIN_SECRET_BYTES} characters in production"
            )
        return self
