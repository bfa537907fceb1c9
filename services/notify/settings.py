"""Notify's settings (env prefix NOTIFY_)."""

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
