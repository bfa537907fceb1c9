"""Assignment's settings (env prefix ASSIGNMENT_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AssignmentSettings(ServiceSettings):
    """Settings of the assignment service."""

    model_config = ServiceSettings.model_config | SettingsConfigDict(env_prefix="ASSIGNMENT_")

    service_name: str = "assignment"
    http_port: int = 8002
    public_base_url: str = "http://127.0.0.1:8002"
