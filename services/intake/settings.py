"""Intake's settings (env prefix INTAKE_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DEFAULT_FIELDS = [
    "财税金融",
    "科教文卫",
    "城乡建设",
    "农林水利",
    "资源环境",
    "乡村振兴",
    "社会保障",
    "交通运输",
    "政法",
    "其他",
]


class IntakeSettings(ServiceSettings):
    """Settings of the intake service."""

    model_config = ServiceSettings.model_config | SettingsConfigDict(env_prefix="INTAKE_")

    service_name: str = "intake"
    http_port: int = 8001
    public_base_url: str = "http://127.0.0.1:8001"
    # The session new suggestions belong to when the request names none, e.g. 15th congress, 2nd session.
    current_session: str = "15-2"
    fields: list[str] = DEFAULT_FIELDS
