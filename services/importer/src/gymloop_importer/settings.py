"""The importer's settings: the kit's GYMLOOP_* names plus where the data services are (for the studio export)."""

from __future__ import annotations

from gymloop_kit.settings import ServiceSettings
from pydantic import Field

# The services whose datasets make up a studio export, at their `make dev` ports.
DEFAULT_SERVICE_URLS: dict[str, str] = {
    "members": "http://127.0.0.1:8001",
    "billing": "http://127.0.0.1:8002",
    "bookings": "http://127.0.0.1:8003",
    "notifications": "http://127.0.0.1:8004",
}


class ImporterSettings(ServiceSettings):
    service_name: str = "importer"

    service_urls: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_SERVICE_URLS),
        description="Base URL of each service whose datasets the studio export reads, as JSON: "
        '{"members": "http://members:8000"}',
    )
    export_retention_hours: float = Field(
        default=7 * 24.0,
        gt=0,
        description="How long a finished export's ZIP is kept; then the file is deleted and the export is expired",
    )
    export_expiry_interval_s: float = Field(default=600.0, gt=0, description="How often expired ZIPs are deleted")
    job_poll_interval_s: float = Field(
        default=0.5,
        gt=0,
        description="How often the export and validation workers look for a queued job when they have none",
    )
    job_stale_after_s: float = Field(
        default=120.0,
        gt=0,
        description="An export or validation whose worker gave no sign of life this long was left by a stopped "
        "process: another worker takes it up again",
    )
