"""Studio-local days and the nightly schedule.

Every day-based rule (absence, trends, birthdays, check-ups) counts days in the studio's IANA time
zone: an attendance at 23:30 on the 31st in Amsterdam belongs to the 31st even though it is the
1st in UTC. Instants stay timezone-aware UTC everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gymloop_kit.studio_clock import local_day

from gymloop_notifications.domain.errors import DomainError

DEFAULT_NIGHTLY_RUN_AT = time(3, 0)


def require_aware(instant: datetime, field: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise DomainError(
            code="datetime_naive",
            field=field,
            message=f"{instant.isoformat()} has no time zone: pass a timezone-aware (UTC) datetime",
        )
    return instant


def local_date(instant: datetime, zone: ZoneInfo, field: str = "instant") -> date:
    return local_day(require_aware(instant, field), zone)


def today_in_zone(now: datetime, zone: ZoneInfo) -> date:
    return local_date(now, zone, field="now")


def attendance_local_dates(attended_at: Iterable[datetime], zone: ZoneInfo) -> list[date]:
    """One local date per attended session (a member attending twice in a day counts twice)."""
    return sorted(local_date(instant, zone, field="attended_at") for instant in attended_at)


def next_nightly_run(now: datetime, zone: ZoneInfo, run_at: time = DEFAULT_NIGHTLY_RUN_AT) -> datetime:
    """The first instant after `now` at which the studio's wall clock shows `run_at`, in UTC.

    DST: a wall time skipped by a spring-forward gap runs at the same instant read with the
    offset before the change (02:30 becomes 03:30 summer time); a wall time that happens twice
    at a fall-back runs once, at its first occurrence (fold=0). So there is exactly one run per
    local day.
    """
    require_aware(now, "now")
    if run_at.tzinfo is not None:
        raise DomainError(
            code="run_at_not_wall_time",
            field="run_at",
            message="run_at is a local wall-clock time: pass it without a time zone",
        )
    local_day = now.astimezone(zone).date()
    for day_offset in range(3):
        day = local_day + timedelta(days=day_offset)
        candidate = datetime.combine(day, run_at, tzinfo=zone).astimezone(UTC)
        if candidate > now:
            return candidate
    raise AssertionError("a local day always has a next run within three days")  # pragma: no cover
