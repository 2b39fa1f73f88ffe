"""The studio's time zone (members' StudioUpdated) and the one place that decides a studio's "today".

Every date billing decides for a studio (renewals, endings, retry days, the import day, API defaults) is the
studio's local calendar day: `studio_today(session, studio_id, now)`. A studio whose zone billing does not know
yet uses UTC; that is logged once per studio and process at debug level, not on every call.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from gymloop_kit.logging import get_logger
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import StudioZoneRow
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.local_day import local_date, zone_named

log = get_logger(__name__)

_told_utc: set[uuid.UUID] = set()  # studios whose UTC fallback was logged already (one line each)


async def studio_zone(session: AsyncSession, studio_id: uuid.UUID) -> ZoneInfo | None:
    """The studio's time zone, or None while billing does not know it (then dates are UTC days)."""
    row = await session.get(StudioZoneRow, studio_id, populate_existing=True)
    zone = None
    if row is not None:
        try:
            zone = zone_named(row.time_zone)
        except DomainError:  # stored when valid; this tz database no longer knows it
            zone = None
    if zone is None and studio_id not in _told_utc:
        _told_utc.add(studio_id)
        log.debug("studio_time_zone_unknown_using_utc", studio_id=str(studio_id))
    return zone


async def studio_date(session: AsyncSession, studio_id: uuid.UUID, instant: datetime) -> date:
    """The studio's calendar day at `instant` (aware)."""
    return local_date(instant, await studio_zone(session, studio_id))


async def studio_today(session: AsyncSession, studio_id: uuid.UUID, now: datetime | None = None) -> date:
    """The studio's today: its local day at `now` (default: the current time)."""
    return await studio_date(session, studio_id, now or datetime.now(UTC))


async def record_studio_zone(session: AsyncSession, studio_id: uuid.UUID, time_zone: str) -> bool:
    """Keep the studio's zone from a StudioUpdated that is the newest (the caller checks). A name this tz
    database does not know is not stored (the studio keeps its previous zone, or UTC): False, logged."""
    try:
        zone_named(time_zone)
    except DomainError as error:
        log.warning("studio_time_zone_ignored", studio_id=str(studio_id), time_zone=time_zone, reason=error.message)
        return False
    statement = pg_insert(StudioZoneRow).values(studio_id=studio_id, time_zone=time_zone)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[StudioZoneRow.studio_id], set_={"time_zone": time_zone})
    )
    _told_utc.discard(studio_id)
    return True
