"""Notifications settings: the kit's settings plus SMTP and the nightly refresh."""

from __future__ import annotations

from gymloop_kit.settings import ServiceSettings
from pydantic import Field


class NotificationsSettings(ServiceSettings):
    service_name: str = "notifications"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "Gymloop <no-reply@gymloop.local>"
    smtp_timeout_s: float = 10.0
    email_batch_size: int = 200
    email_max_attempts: int = 5
    email_poll_interval_s: float = Field(default=1.0, description="How often the e-mail sender looks for work")

    scheduler_enabled: bool = True
    scheduler_poll_interval_s: float = Field(default=60.0, description="How often due nightly refreshes are sought")
