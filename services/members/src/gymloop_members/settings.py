"""Settings of the members service: the shared ones plus e-mail, links, login throttling and password hashing."""

from __future__ import annotations

from gymloop_kit.settings import ServiceSettings
from pydantic import Field


class MembersSettings(ServiceSettings):
    service_name: str = "members"

    smtp_host: str = Field(default="127.0.0.1", description="SMTP server that delivers account e-mails")
    smtp_port: int = 1025
    smtp_sender: str = "Gymloop <no-reply@gymloop.example.com>"
    smtp_timeout_s: float = 10.0
    public_base_url: str = Field(
        default="http://127.0.0.1:8080", description="Base URL of the web app, for the links in e-mails"
    )
    mail_poll_interval_s: float = Field(default=1.0, description="How often the mail outbox is drained")
    mail_max_attempts: int = 8

    reset_token_ttl_s: int = 3600
    set_password_token_ttl_s: int = 7 * 24 * 3600

    login_window_s: int = 15 * 60
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20

    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    argon2_parallelism: int = 4

    attachment_max_bytes: int = 5 * 1024 * 1024
