"""Each studio's time zone, followed from members' StudioUpdated, and the studio's "today" read from it.

The rules, the same in every service:
- Subscribe with `newest_only=True`: StudioUpdated carries the full state, so the newest sequence wins and an
  older event arriving late changes nothing.
- Until a studio's first StudioUpdated arrives it counts days in DEFAULT_TIME_ZONE.
- A zone this machine's tz database does not know (members' tzdata may be newer) is not stored and does not fail
  the event: the studio keeps its last known zone (or the default), with a warning. The event is valid, so it
  must not go to the dead-letter topic; the zone takes effect with the studio's next StudioUpdated after this
  machine's tzdata is updated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from gymloop_contracts import Envelope
from gymloop_contracts.events.members import StudioUpdated
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.logging import get_logger
from gymloop_kit.studio_clock.days import UnknownTimeZone, default_zone, local_day, parse_time_zone
from gymloop_kit.studio_clock.table import studio_zone

log = get_logger(__name__)

_told_unreadable: set[str] = set()  # stored names this process's tz database cannot read (logged once each)


@dataclass(frozen=True)
class ZoneFollowed:
    """What a StudioUpdated did to the studio's zone: `before` and `after` are the zones days count in."""

    before: ZoneInfo
    after: ZoneInfo

    @property
    def changed(self) -> bool:
        return self.before.key != self.after.key


def effective_zone(stored: str | None) -> ZoneInfo:
    """The zone a studio counts days in, from its stored name (None: not announced yet, the default). A stored
    name this tz database cannot read (tzdata downgraded since) also counts in the default."""
    if stored is None:
        return default_zone()
    try:
        return parse_time_zone(stored)
    except UnknownTimeZone:
        if stored not in _told_unreadable:
            _told_unreadable.add(stored)
            log.warning("studio_time_zone_unreadable_using_default", time_zone=stored, default=default_zone().key)
        return default_zone()


async def stored_time_zone(session: AsyncSession, studio_id: uuid.UUID) -> str | None:
    statement = select(studio_zone.c.time_zone).where(studio_zone.c.studio_id == studio_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def zone_of(session: AsyncSession, studio_id: uuid.UUID) -> ZoneInfo:
    """The studio's time zone (the default while it is not known)."""
    return effective_zone(await stored_time_zone(session, studio_id))


async def day_at(session: AsyncSession, studio_id: uuid.UUID, instant: datetime) -> date:
    """The studio's calendar day at `instant` (aware)."""
    return local_day(instant, await zone_of(session, studio_id))


async def today(session: AsyncSession, studio_id: uuid.UUID, now: datetime | None = None) -> date:
    """The studio's today: its calendar day at `now` (default: the current time)."""
    return await day_at(session, studio_id, now or datetime.now(UTC))


async def follow_studio_updated(session: AsyncSession, event: StudioUpdated, envelope: Envelope) -> ZoneFollowed:
    """Apply members' StudioUpdated to the zone read model (register the handler with `newest_only=True`)."""
    if event.studio_id != envelope.studio_id:
        # A producer bug, not a zone problem: this one is worth the dead-letter topic.
        raise ValueError(f"StudioUpdated for studio {event.studio_id} came in an envelope of {envelope.studio_id}")
    return await record_zone(session, envelope.studio_id, event.time_zone)


async def record_zone(session: AsyncSession, studio_id: uuid.UUID, time_zone: str) -> ZoneFollowed:
    """Keep `time_zone` as the studio's zone, or, when this tz database does not know it, keep the zone it had."""
    before = await zone_of(session, studio_id)
    try:
        after = parse_time_zone(time_zone)
    except UnknownTimeZone:
        log.warning("studio_time_zone_unknown_kept_previous", studio_id=str(studio_id), time_zone=time_zone,
                    kept=before.key)  # fmt: skip
        return ZoneFollowed(before, before)
    statement = pg_insert(studio_zone).values(studio_id=studio_id, time_zone=after.key)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[studio_zone.c.studio_id], set_={"time_zone": after.key})
    )
    return ZoneFollowed(before, after)
