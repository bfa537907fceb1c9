"""Assignment's settings (env prefix ASSIGNMENT_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AssignmentSettings(ServiceSettings):
    """Settings of the assignment service."""

    model_config = ServiceSettings.model_config | SettingsConfigDict(env_prefix="ASSIGNMENT_")

    service_name: str = "assignment"
    http_port: int = 8002
    public_base_url: str = "http://127.0.0.1:8002"

    # The window sweep wakes at the next close of a silent unit's window, and at least this often.
    window_sweep_seconds: float = Field(default=60.0, gt=0)
    # A congress's routing proposal is rebuilt from the database when older than this (other replicas' work).
    router_max_age_seconds: float = Field(default=300.0, gt=0)
    # Cases in one batch request (集中交办, batch pre-assignment, batch proposals).
    batch_max: int = Field(default=1000, ge=1, le=5000)
