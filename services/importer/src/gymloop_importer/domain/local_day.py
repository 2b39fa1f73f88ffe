"""The studio's local calendar day: the importer's "today" (e.g. "birth date not in the future")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def known_zone(name: str) -> ZoneInfo | None:
    """The IANA time zone of this name, or None when this tz database does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: not a zone key at all (e.g. "", "../x")
        return None


def local_date(instant: datetime, zone: ZoneInfo | None) -> date:
    """The calendar day at `instant` (aware) in `zone`; the UTC day while the studio's zone is unknown."""
    return instant.astimezone(zone or UTC).date()
