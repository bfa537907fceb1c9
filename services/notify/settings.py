"""Notify's settings (env prefix NOTIFY_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    """Settings of the notify service."""

    model_config = ServiceSettings.model_config | SettingsConfigDict(env_prefix="NOTIFY_")

    service_name: str = "notify"
    http_port: int = 8005
    public_base_url: str = "http://127.0.0.1:8005"
    # Where people open a case; the link in a notification is <portal_url>/suggestions/<id>.
    portal_url: str = "http://127.0.0.1:8001"

    # The webhook deliveries' sweep wakes at the next due attempt, and at least this often.
    sweep_seconds: float = Field(default=30.0, gt=0)
    # Allow webhook subscriptions to plain-http endpoints on localhost (development); https only when false.
    webhook_allow_local_http: bool = True
