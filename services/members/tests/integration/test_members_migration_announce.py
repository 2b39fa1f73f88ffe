"""Migration 0003: every studio that existed before StudioUpdated is announced once, through the outbox."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest
from gymloop_contracts import Envelope
from gymloop_contracts.events.members import StudioUpdated
from gymloop_devstack.testing import assert_outbox_row, outbox_rows
from gymloop_kit.db import Database, asyncpg_dsn
from gymloop_kit.messaging.outbox import NOTIFY_CHANNEL
from gymloop_kit.migrations import upgrade
from gymloop_members.service.studios import update_studio
from sqlalchemy import text

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def test_0003_announces_each_existing_studio_once_and_a_later_change_takes_the_next_sequence(
    new_database,
) -> None:
    url = await new_database(None, prefix="members_announce")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0002")
    never_announced, announced_before = uuid.uuid4(), uuid.uuid4()
    database = Database(url, pool_size=1)
    listener = await asyncpg.connect(asyncpg_dsn(url))
    notified = asyncio.Event()
    try:
        async with database.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO studio (studio_id, name, timezone) VALUES"
                    " (:old, 'Oude Gym', 'Europe/Amsterdam'), (:new, 'Ny Gym', 'Europe/Oslo')"
                ),
                {"old": never_announced, "new": announced_before},
            )
            # A studio created after StudioUpdated existed already has its sequence 1 out.
            await session.execute(
                text("INSERT INTO outbox_sequence VALUES ('studio', :id, 1)"), {"id": str(announced_before)}
            )
        await listener.add_listener(NOTIFY_CHANNEL, lambda *_: notified.set())

        await asyncio.to_thread(upgrade, MIGRATIONS, url, "head")

        await asyncio.wait_for(notified.wait(), timeout=5)  # the outbox trigger woke the relay on commit
        rows = await outbox_rows(database)
        envelopes = {Envelope.model_validate(row["envelope"]).studio_id: row for row in rows}
        assert len(rows) == 2
        assert set(envelopes) == {never_announced, announced_before}
        for studio_id, (name, zone, sequence) in {
            never_announced: ("Oude Gym", "Europe/Amsterdam", 1),
            announced_before: ("Ny Gym", "Europe/Oslo", 2),
        }.items():
            expected = StudioUpdated(studio_id=studio_id, name=name, time_zone=zone)
            assert_outbox_row(envelopes[studio_id], expected, sequence=sequence)

        async with database.transaction() as session:
            await update_studio(session, never_announced, name="Nieuwe Gym", timezone=None)
        later = (await outbox_rows(database))[-1]
        envelope = Envelope.model_validate(later["envelope"])
        assert (envelope.studio_id, envelope.sequence, envelope.payload["name"]) == (never_announced, 2, "Nieuwe Gym")
        # The migration's rows have exactly the shape add_event writes.
        assert set(later["envelope"]) == set(envelopes[never_announced]["envelope"])
    finally:
        await listener.close()
        await database.dispose()


async def test_0003_on_a_database_without_studios_queues_nothing(new_database) -> None:
    url = await new_database(None, prefix="members_announce_empty")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0003")
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as session:
            version = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
            queued = (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
            sequences = (await session.execute(text("SELECT count(*) FROM outbox_sequence"))).scalar_one()
    finally:
        await database.dispose()
    assert (version, queued, sequences) == ("0003", 0, 0)
