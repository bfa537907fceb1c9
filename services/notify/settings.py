"""Notify's settings (env prefix NOTIFY_)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
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
    # How long a replica keeps a congress's rule table before reading it again (a change made through this
    # replica applies at once; one made through another within this many seconds).
    rules_cache_seconds: float = Field(default=5.0, ge=0)
    # Allow webhook subscriptions to plain-http endpoints on localhost (development); https only when false.
    webhook_allow_local_http: bool = True

    # E-mail over SMTP; no host: e-mail deliveries fail visibly with "e-mail is not configured".
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = True
    smtp_tls: bool = False  # TLS from the start (port 465); not together with STARTTLS
    smtp_from: str = "人大代表建议办理系统 <noreply@localhost.localdomain>"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    # SMS: "log" records only (development); "aliyun" sends through Alibaba Cloud SMS (dysmsapi SendSms).
    sms_provider: Literal["log", "aliyun"] = "log"
    aliyun_access_key_id: str = ""
    aliyun_access_key_secret: SecretStr = SecretStr("")
    aliyun_sign_name: str = ""
    aliyun_template_code: str = ""
    aliyun_endpoint: str = "https://dysmsapi.aliyuncs.com/"
    aliyun_region_id: str = "cn-hangzhou"
    delivery_concurrency: int = Field(default=8, ge=1, le=100)

    @model_validator(mode="after")
    def _channels_make_sense(self) -> NotifySettings:
        if self.smtp_tls and self.smtp_starttls:
            raise ValueError("smtp_tls and smtp_starttls exclude each other")
        if self.sms_provider == "aliyun" and not (
            self.aliyun_access_key_id
            and self.aliyun_access_key_secret.get_secret_value()
            and self.aliyun_sign_name
            and self.aliyun_template_code
        ):
            raise ValueError(
                "sms_provider aliyun needs the access key id and secret, the sign name and the template code"
            )
        return self
