"""The web app's settings: the kit's GYMLOOP_* names plus where the gateway is and the session cookie's keys."""

from __future__ import annotations

from gymloop_kit.settings import ServiceSettings
from pydantic import Field, SecretStr, model_validator


class WebSettings(ServiceSettings):
    service_name: str = "web"
    http_port: int = 8006

    web_gateway_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the gateway whose public API every page is built from (GYMLOOP_WEB_GATEWAY_URL)",
    )
    web_session_secrets: list[SecretStr] = Field(
        default_factory=list,
        description=(
            "Secrets the session cookie is encrypted with, as JSON: the first seals new cookies, the others are "
            "still opened (rotation). Empty: one random secret per process (local only: sessions end at restart)"
        ),
    )
    web_session_max_age_s: int = Field(
        default=12 * 3600, description="How long a session cookie lasts without use (each request renews it)"
    )
    web_language: str = Field(default="en", description="Language of the pages (a key of gymloop_web.messages)")
    web_gateway_timeout_s: float = Field(default=15.0, description="How long one call to the gateway may take")

    @model_validator(mode="after")
    def _secrets_outside_local(self) -> WebSettings:
        if not self.web_session_secrets and self.environment != "local":
            raise ValueError(
                "GYMLOOP_WEB_SESSION_SECRETS is empty: outside the local environment set at least one long random "
                'secret, as JSON: ["<secret>"], the same on every replica'
            )
        for secret in self.web_session_secrets:
            if len(secret.get_secret_value()) < 32:
                raise ValueError("every GYMLOOP_WEB_SESSION_SECRETS entry must be at least 32 characters long")
        return self
