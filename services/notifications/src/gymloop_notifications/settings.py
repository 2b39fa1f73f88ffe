"""Notifications settings: the kit's settings and mail settings (GYMLOOP_SMTP_*, GYMLOOP_MAIL_*) plus the
nightly refresh."""

from __future__ import annotations

from gymloop_kit.settings import MailSettings
from pydantic import Field


class NotificationsSettings(MailSettings):
    service_name: str = "notifications"

    scheduler_enabled: bool = True
    scheduler_poll_interval_s: float = Field(default=60.0, description="How often due nightly refreshes are sought")
    refresh_job_poll_interval_s: float = Field(
        default=1.0, description="How often the worker looks for refreshes staff asked for (POST /refresh)"
    )
