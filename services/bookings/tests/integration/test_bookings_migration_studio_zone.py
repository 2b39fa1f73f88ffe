"""Migrations 0002 and 0003 on a database made by the old 0001 (time zone and name in studio_settings): both are
kept in studio_zone; 0004 then moves the name into studio_name, leaving studio_zone in the kit's shape."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from gymloop_kit.db import Database
from gymloop_kit.migrations import upgrade
from sqlalchemy import text

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

pytestmark = pytest.mark.integration


async def test_0002_moves_an_old_policy_zone_into_studio_zone(new_database):
    url = await new_database(None, prefix="bookings_mig")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0001")
    studio_id = uuid.uuid4()
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as db:
            # What the old 0001 made: the policy row carried the zone and name set through PUT /settings.
            await db.execute(text("ALTER TABLE studio_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC'"))
            await db.execute(text("ALTER TABLE studio_settings ADD COLUMN studio_name TEXT NOT NULL"))
            await db.execute(
                text(
                    "INSERT INTO studio_settings (studio_id, studio_name, time_zone, booking_window_min,"
                    " cancellation_cutoff_min, late_cancel_forfeits, waitlist_enabled, waitlist_cutoff_min,"
                    " uses_check_in, staff_may_book_beyond_window)"
                    " VALUES (:s, 'Oud', 'Europe/Lisbon', 60, 60, true, true, 60, false, true)"
                ),
                {"s": studio_id},
            )
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "0003")
        async with database.transaction() as db:
            zones = (await db.execute(text("SELECT studio_id, time_zone, name FROM studio_zone"))).all()
            columns = (
                await db.execute(
                    text("SELECT column_name FROM information_schema.columns WHERE table_name = 'studio_settings'")
                )
            ).scalars()
        assert zones == [(studio_id, "Europe/Lisbon", "Oud")]
        assert not {"time_zone", "studio_name"} & set(columns)
    finally:
        await database.dispose()


async def test_0003_keeps_an_admin_set_name_without_a_zone_and_drops_the_default_one(new_database):
    url = await new_database(None, prefix="bookings_mig")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0002")
    named, unnamed, zoned = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as db:
            # A database made by the old 0001 then 0002: studio_settings still carries studio_name.
            await db.execute(text("ALTER TABLE studio_settings ADD COLUMN studio_name TEXT NOT NULL"))
            for studio_id, name in ((named, "Oud"), (unnamed, "Gymloop studio"), (zoned, "Gezoned")):
                await db.execute(
                    text(
                        "INSERT INTO studio_settings (studio_id, studio_name, booking_window_min,"
                        " cancellation_cutoff_min, late_cancel_forfeits, waitlist_enabled, waitlist_cutoff_min,"
                        " uses_check_in, staff_may_book_beyond_window)"
                        " VALUES (:s, :n, 60, 60, true, true, 60, false, true)"
                    ),
                    {"s": studio_id, "n": name},
                )
            await db.execute(
                text("INSERT INTO studio_zone (studio_id, time_zone) VALUES (:s, 'Asia/Tokyo')"), {"s": zoned}
            )
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "0003")
        async with database.transaction() as db:
            zones = set((await db.execute(text("SELECT studio_id, time_zone, name FROM studio_zone"))).all())
        assert zones == {(named, "Europe/Amsterdam", "Oud"), (zoned, "Asia/Tokyo", "Gezoned")}
    finally:
        await database.dispose()


async def test_0004_moves_the_names_into_studio_name_and_keeps_every_zone(new_database):
    url = await new_database(None, prefix="bookings_mig")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0003")
    named, unnamed = uuid.uuid4(), uuid.uuid4()
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as db:
            await db.execute(
                text(
                    "INSERT INTO studio_zone (studio_id, time_zone, name)"
                    " VALUES (:named, 'Asia/Tokyo', 'Oost'), (:unnamed, 'Europe/Lisbon', NULL)"
                ),
                {"named": named, "unnamed": unnamed},
            )
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "head")
        async with database.transaction() as db:
            zones = set((await db.execute(text("SELECT studio_id, time_zone FROM studio_zone"))).all())
            names = (await db.execute(text("SELECT studio_id, name FROM studio_name"))).all()
            columns = (
                await db.execute(
                    text("SELECT column_name FROM information_schema.columns WHERE table_name = 'studio_zone'")
                )
            ).scalars()
            assert set(columns) == {"studio_id", "time_zone"}
        assert zones == {(named, "Asia/Tokyo"), (unnamed, "Europe/Lisbon")}
        assert names == [(named, "Oost")]
    finally:
        await database.dispose()
