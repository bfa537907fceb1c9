"""Supervision's settings (env prefix SUPERVISION_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class SupervisionSettings(ServiceSettings):
    """Settings of the supervision service."""

    model_config = ServiceSettings.model_config | SettingsConfigDict(env_prefix="SUPERVISION_")

    service_name: str = "supervision"
    http_port: int = 8003
    public_base_url: str = "http://127.0.0.1:8003"

    # The sweep wakes at the next light change or reminder, and at least this often.
    sweep_seconds: float = Field(default=60.0, gt=0)
