"""Per-studio configuration: notification settings, nightly refresh time, and the studio's time zone (owned by
members, followed from its StudioUpdated events by the kit's studio clock, which also says the default)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from gymloop_kit import studio_clock
from gymloop_kit.studio_clock import ZoneFollowed
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.db.models import StudioSettings
from gymloop_notifications.domain.errors import DomainError
from gymloop_notifications.domain.local_time import next_nightly_run, today_in_zone
from gymloop_notifications.domain.settings import NotificationSettings
from gymloop_notifications.service import attendance_summary

DEFAULT_REFRESH_AT = time(3, 0)


@dataclass(frozen=True)
class StudioConfig:
    studio_id: uuid.UUID
    zone: ZoneInfo
    refresh_at: time
    settings: NotificationSettings
    next_refresh_at: datetime

    def today(self, now: datetime) -> date:
        return today_in_zone(now, self.zone)


def _config(row: StudioSettings, zone: ZoneInfo) -> StudioConfig:
    return StudioConfig(
        studio_id=row.studio_id,
        zone=zone,
        refresh_at=row.refresh_at,
        settings=NotificationSettings.from_mapping(row.studio_id, row.settings or {}),
        next_refresh_at=row.next_refresh_at,
    )


async def ensure_studio(session: AsyncSession, studio_id: uuid.UUID, *, lock: bool = False) -> StudioConfig:
    """The studio's configuration, created with defaults the first time the studio is seen."""
    return _config(*await _ensure_row(session, studio_id, lock))


async def _ensure_row(session: AsyncSession, studio_id: uuid.UUID, lock: bool) -> tuple[StudioSettings, ZoneInfo]:
    """The studio's settings row (made the first time, its nightly run planned in the studio's zone) and zone."""
    zone_table = studio_clock.studio_zone
    query = (
        select(StudioSettings, zone_table.c.time_zone)
        .outerjoin(zone_table, zone_table.c.studio_id == StudioSettings.studio_id)
        .where(StudioSettings.studio_id == studio_id)
    )
    if lock:
        # Locked: read the row as committed now, not as this transaction may have cached it before.
        query = query.with_for_update(of=StudioSettings).execution_options(populate_existing=True)
    found = (await session.execute(query)).first()
    if found is None:
        zone = await studio_clock.zone_of(session, studio_id)
        await session.execute(
            pg_insert(StudioSettings)
            .values(
                studio_id=studio_id,
                refresh_at=DEFAULT_REFRESH_AT,
                settings={},
                next_refresh_at=next_nightly_run(datetime.now(UTC), zone, DEFAULT_REFRESH_AT),
            )
            .on_conflict_do_nothing(index_elements=[StudioSettings.studio_id])
        )
        found = (await session.execute(query)).one()
    row, time_zone = found
    return row, studio_clock.effective_zone(time_zone)


async def update_studio_settings(
    session: AsyncSession,
    studio_id: uuid.UUID,
    *,
    changes: dict[str, Any] | None = None,
    refresh_at: time | None = None,
) -> StudioConfig:
    row, zone = await _ensure_row(session, studio_id, lock=True)
    current = _config(row, zone)
    updated = current.settings.updated(changes or {})
    if refresh_at is not None and refresh_at.tzinfo is not None:
        raise DomainError(code="refresh_at_not_wall_time", field="refresh_at", message="give a local time like 03:00")
    row.settings = updated.to_mapping()
    if refresh_at is not None:
        row.refresh_at = refresh_at
    row.next_refresh_at = next_nightly_run(datetime.now(UTC), current.zone, row.refresh_at)
    row.updated_at = datetime.now(UTC)
    await session.flush()
    return _config(row, zone)


async def follow_studio_zone(session: AsyncSession, studio_id: uuid.UUID, followed: ZoneFollowed) -> StudioConfig:
    """The kit's studio clock followed a StudioUpdated (`followed`). Local days follow the zone: the next nightly
    run is re-planned at refresh_at in the new zone, and the attendance days kept so far are recounted in it, with
    their summaries (an attendance at 23:30 belongs to another day in another zone). A zone that did not change
    changes nothing; a studio seen for the first time starts in its zone."""
    row, zone = await _ensure_row(session, studio_id, lock=True)
    if not followed.changed:
        return _config(row, zone)
    row.next_refresh_at = next_nightly_run(datetime.now(UTC), zone, row.refresh_at)
    row.updated_at = datetime.now(UTC)
    await session.execute(
        text(
            "UPDATE attendance SET attended_on = (attended_at AT TIME ZONE :zone)::date"
            " WHERE studio_id = :studio AND attended_on <> (attended_at AT TIME ZONE :zone)::date"
        ),
        {"zone": zone.key, "studio": studio_id},
    )
    await attendance_summary.rebuild(session, studio_id)  # the days moved: so do their counts (a rare event)
    await session.flush()
    return _config(row, zone)
