"""The studio's local day: every date billing decides "today" for a studio is its calendar day in the studio's
IANA time zone (renewals, endings, payment retries, the import day).

A studio whose zone billing does not know (members has not told us yet) uses UTC: dates are then at most a
day off near midnight, never wrong by more.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gymloop_billing.domain.errors import DomainError

# The furthest any time zone runs ahead of UTC (Pacific/Kiritimati, UTC+14): no studio's day is later than
# the UTC day of `now + LATEST_UTC_OFFSET`.
LATEST_UTC_OFFSET = timedelta(hours=14)


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called `name` (e.g. 'Europe/Amsterdam'); a DomainError if it is not one."""
    try:
        if not name or name != name.strip():
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as 'Europe', a huge name
        raise DomainError(
            code="time_zone_unknown",
            field="time_zone",
            message=f"time zone {name!r} is not an IANA time zone name: use one like 'Europe/Amsterdam'",
        ) from None


def local_date(now: datetime, zone: tzinfo | None) -> date:
    """The calendar day at the instant `now` in `zone` (None: UTC). `now` must carry its offset."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise DomainError(
            code="naive_datetime",
            field="now",
            message=f"{now.isoformat()} has no time zone: pass an aware datetime such as datetime.now(UTC)",
        )
    return now.astimezone(zone or UTC).date()


def latest_local_date(now: datetime) -> date:
    """The latest calendar day any studio anywhere can be on at `now`: a bound for a query over all studios."""
    return local_date(now + LATEST_UTC_OFFSET, UTC)
