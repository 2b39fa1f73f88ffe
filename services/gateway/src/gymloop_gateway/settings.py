"""The gateway's settings: the kit's GYMLOOP_* names plus where the services are and which routes are public."""

from __future__ import annotations

from urllib.parse import urlsplit

from gymloop_kit.settings import ServiceSettings
from pydantic import Field, field_validator

DEFAULT_SERVICE_URLS: dict[str, str] = {
    "members": "http://127.0.0.1:8001",
    "billing": "http://127.0.0.1:8002",
    "bookings": "http://127.0.0.1:8003",
    "notifications": "http://127.0.0.1:8004",
    "importer": "http://127.0.0.1:8005",
}

# "METHOD PATTERN": METHOD may be "*"; PATTERN is a shell-style pattern on the gateway path (`*` spans slashes).
# Login-type routes cannot carry a token yet; a payment provider's webhook carries a signature, not a token
# (billing verifies it on the raw body).
DEFAULT_PUBLIC_ROUTES: list[str] = [
    "POST /api/members/auth/login",
    "POST /api/members/auth/refresh",
    "POST /api/members/auth/logout",  # carries the refresh token to revoke in its body
    "* /api/members/auth/password-reset*",
    "POST /api/members/auth/set-password",  # with the token of a reset or first-login e-mail
    "* /api/members/auth/first-login*",
    "POST /api/members/studios/signup",
    "POST /api/billing/*webhook*",
    # A studio's public page and self-registration: how a new member finds a studio and joins it.
    "GET /api/members/public/studios/*",
    "GET /api/billing/public/studios/*",
    "GET /api/bookings/public/studios/*",
    "POST /api/members/registrations",
    "POST /api/members/registrations/verify",
    "GET /api/bookings/calendar-feeds/*",  # the secret token in the address is the credential (calendar apps)
]


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http_port: int = 8000

    service_urls: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_SERVICE_URLS),
        description='Base URL of each service behind /api/<service>/, as JSON: {"members": "http://members:8000"}',
    )
    public_routes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PUBLIC_ROUTES),
        description='Routes answered without a bearer token, as JSON: ["POST /api/members/auth/login", ...]',
    )
    upstream_timeout_s: float = Field(default=30.0, description="How long a forwarded request may take")
    upstream_connect_timeout_s: float = Field(default=2.0, description="How long connecting to a service may take")
    upstream_max_connections: int = 200
    view_part_timeout_s: float = Field(
        default=5.0,
        description="How long each service read of a view (/api/views/...) may take before it is shown unavailable",
    )
    ready_timeout_s: float = Field(default=2.0, description="How long each service's /ready may take")
    openapi_cache_s: float = Field(default=10.0, description="How long the merged OpenAPI document is reused")
    web_url: str = Field(
        default="",
        description=(
            "Base URL of the web app (the staff back office): every path outside /api, /docs, /redoc, /openapi.json, "
            "/health, /ready and /metrics is forwarded there, so pages and API share one origin; empty: none"
        ),
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description=(
            "Browser origins allowed to call the API from another site, with credentials, as JSON: "
            '["https://app.example.com"]; empty: none'
        ),
    )

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        # A browser compares the exact origin; a path, a trailing slash or "*" would never match, or match anyone.
        for value in values:
            parts = urlsplit(value)
            if (
                parts.scheme not in ("http", "https")
                or not parts.hostname
                or value != f"{parts.scheme}://{parts.netloc}"
            ):
                raise ValueError(
                    f"{value!r} is not an origin: write scheme://host[:port], e.g. https://app.example.com"
                )
        return values
