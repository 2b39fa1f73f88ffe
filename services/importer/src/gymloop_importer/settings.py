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
