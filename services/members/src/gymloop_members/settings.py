"""Settings of the members service: the shared ones and the mail ones (GYMLOOP_SMTP_*, GYMLOOP_MAIL_*) plus
links, login throttling and password hashing."""

from __future__ import annotations

from gymloop_kit.settings import MailSettings
from pydantic import Field


class MembersSettings(MailSettings):
    service_name: str = "members"

    public_base_url: str = Field(
        default="http://127.0.0.1:8080", description="Base URL of the web app, for the links in e-mails"
    )

    reset_token_ttl_s: int = 3600
    set_password_token_ttl_s: int = 7 * 24 * 3600

    login_window_s: int = 15 * 60
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20

    # Reset and first-login mails per e-mail and per client address in the window; beyond them the answer stays
    # the same and no mail goes out.
    password_mail_window_s: int = 3600
    password_mail_max_per_account: int = 3
    password_mail_max_per_ip: int = 10

    # Self-registration: how long the e-mailed link works, and how many sign-ups per e-mail and per client
    # address the window allows (beyond the e-mail's, the answer stays the same and no mail goes out).
    registration_token_ttl_s: int = 48 * 3600
    registration_window_s: int = 3600
    registration_max_per_email: int = 3
    registration_max_per_ip: int = 10
    # links followed with a token that is not valid, per client address and window (then 429)
    verification_window_s: int = 15 * 60
    verification_max_failures_per_ip: int = 10

    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    argon2_parallelism: int = 4

    attachment_max_bytes: int = 5 * 1024 * 1024
