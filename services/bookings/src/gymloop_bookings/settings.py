"""Bookings' own settings on top of the kit's (GYMLOOP_* environment variables)."""

from __future__ import annotations

from gymloop_kit.settings import ServiceSettings
from pydantic import Field


class BookingsSettings(ServiceSettings):
    service_name: str = "bookings"
    housekeeping_interval_s: float = Field(
        default=30.0, description="How often sessions that ended get their attendance and lapsed packs expire"
    )
