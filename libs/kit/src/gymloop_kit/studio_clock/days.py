"""Studio-local days, pure: the one time zone parser, the one default zone, a studio's day at an instant, and
month steps. No I/O; the read model of each studio's zone is in `read_model`."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The zone of a studio whose StudioUpdated has not arrived yet: members' own default for a new studio, so the
# guess is the zone such a studio most likely has. Every service counts days in it until it knows better.
DEFAULT_TIME_ZONE = "Europe/Amsterdam"

# The furthest any zone runs ahead of UTC (Pacific/Kiritimati, UTC+14): no studio's day is later than the UTC
# day of `now + LATEST_UTC_OFFSET`.
LATEST_UTC_OFFSET = timedelta(hours=14)
_UTC = ZoneInfo("UTC")


class UnknownTimeZone(ValueError):
    """Not an IANA time zone name this machine's tz database knows."""

    def __init__(self, name: object) -> None:
        super().__init__(f"time zone {name!r} is not an IANA time zone name: use one like 'Europe/Amsterdam'")
        self.name = name


def parse_time_zone(name: object) -> ZoneInfo:
    """The IANA zone called `name` (e.g. 'Europe/Amsterdam'), exactly as spelled; UnknownTimeZone otherwise."""
    if not isinstance(name, str) or not name or name != name.strip():
        raise UnknownTimeZone(name)
    try:
        return ZoneInfo(name)
    # KeyError: no such zone; ValueError: not a relative key or not a TZif file ('../x', 'zone.tab');
    # OSError: a folder ('Europe') or a name too long for a file.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimeZone(name) from None


def default_zone() -> ZoneInfo:
    return parse_time_zone(DEFAULT_TIME_ZONE)


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar day in `zone` at `instant`, which must carry its offset (a naive one is refused, not
    guessed)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant.isoformat()} has no time zone: pass an aware datetime such as datetime.now(UTC)")
    return instant.astimezone(zone).date()


def latest_local_day(now: datetime) -> date:
    """The latest calendar day any studio anywhere can be on at `now`: a bound for a query over all studios."""
    return local_day(now + LATEST_UTC_OFFSET, _UTC)


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months (negative: back), clamped to the month's last day: 31 January + 1 month
    is 28/29 February, + 2 months 31 March. Step from a fixed anchor so month ends do not drift."""
    year, month_zero_based = divmod(day.year * 12 + day.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month_zero_based + 1)[1]
    return date(year, month_zero_based + 1, min(day.day, last_day))
