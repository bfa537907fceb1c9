"""Evaluation's settings (env prefix EVALUATION_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    """Settings of the evaluation service."""

    model_config = ServiceSettings.model_config | SettingsConfigDict(env_prefix="EVALUATION_")

    service_name: str = "evaluation"
    http_port: int = 8004
    public_base_url: str = "http://127.0.0.1:8004"

    # The sweeps (rating windows, ballots closing) wake at the next stored moment, and at least this often.
    sweep_seconds: float = Field(default=60.0, gt=0)
