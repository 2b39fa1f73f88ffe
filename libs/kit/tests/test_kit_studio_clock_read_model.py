"""The studio clock's read model on the real database: members' StudioUpdated sets a studio's zone, its "today"
follows, and a zone this machine's tz database does not know keeps the zone the studio had, without failing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from gymloop_contracts import Envelope, wrap
from gymloop_contracts.events.members import StudioUpdated
from gymloop_kit import studio_clock
from gymloop_kit.db import Database
from gymloop_kit.studio_clock import ZoneFollowed

pytestmark = pytest.mark.integration

# 10:30 UTC on 31 January: 11:30 in Amsterdam (the default), already 1 February in Kiritimati (UTC+14).
NOW = datetime(2027, 1, 31, 10, 30, tzinfo=UTC)


def _updated(studio_id: uuid.UUID, time_zone: str, sequence: int = 1) -> tuple[StudioUpdated, Envelope]:
    event = StudioUpdated(studio_id=studio_id, name="Island Gym", time_zone=time_zone)
    return event, wrap(event, studio_id=studio_id, producer="members", correlation_id="kit-test", sequence=sequence)


async def _follow(database: Database, studio_id: uuid.UUID, time_zone: str) -> ZoneFollowed:
    async with database.transaction() as session:
        return await studio_clock.follow_studio_updated(session, *_updated(studio_id, time_zone))


async def _today(database: Database, studio_id: uuid.UUID) -> date:
    async with database.transaction() as session:
        return await studio_clock.today(session, studio_id, NOW)


async def test_a_studio_counts_in_the_default_zone_then_in_its_announced_zone(kit_database: str) -> None:
    database = Database(kit_database)
    studio, other = uuid.uuid4(), uuid.uuid4()
    try:
        assert await _today(database, studio) == date(2027, 1, 31)
        followed = await _follow(database, studio, "Pacific/Kiritimati")
        assert (followed.before.key, followed.after.key, followed.changed) == (
            "Europe/Amsterdam", "Pacific/Kiritimati", True,
        )  # fmt: skip
        assert await _today(database, studio) == date(2027, 2, 1)
        assert await _today(database, other) == date(2027, 1, 31), "another studio's zone is its own"
        async with database.transaction() as session:
            assert await studio_clock.day_at(session, studio, datetime(2027, 1, 31, 9, 59, tzinfo=UTC)) == date(
                2027, 1, 31
            )
    finally:
        await database.dispose()


@pytest.mark.parametrize("unknown", ["Mars/Olympus_Mons", "Europe", ""])
async def test_an_unknown_zone_keeps_the_zone_the_studio_had(kit_database: str, unknown: str) -> None:
    database = Database(kit_database)
    studio, fresh = uuid.uuid4(), uuid.uuid4()
    try:
        await _follow(database, studio, "Pacific/Kiritimati")
        followed = await _follow(database, studio, unknown)  # no exception: the event is valid, not for the DLQ
        assert (followed.after.key, followed.changed) == ("Pacific/Kiritimati", False)
        assert await _today(database, studio) == date(2027, 2, 1)

        first = await _follow(database, fresh, unknown)  # nothing known yet: the default stays
        assert (first.after.key, first.changed) == ("Europe/Amsterdam", False)
        async with database.transaction() as session:
            assert await studio_clock.stored_time_zone(session, fresh) is None
    finally:
        await database.dispose()


async def test_a_studio_updated_for_another_studio_than_its_envelope_is_refused(kit_database: str) -> None:
    database = Database(kit_database)
    event, _ = _updated(uuid.uuid4(), "Asia/Tokyo")
    _, envelope = _updated(uuid.uuid4(), "Asia/Tokyo")
    try:
        with pytest.raises(ValueError, match="came in an envelope of"):
            async with database.transaction() as session:
                await studio_clock.follow_studio_updated(session, event, envelope)
    finally:
        await database.dispose()
