"""Intake's settings (env prefix INTAKE_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    """Settings of the intake service. Congresses, their sessions and fields are data (PUT /congresses/{id})."""

    model_config = ServiceSettings.model_config | SettingsConfigDict(env_prefix="INTAKE_")

    service_name: str = "intake"
    http_port: int = 8001
    public_base_url: str = "http://127.0.0.1:8001"
