"""Migration 0002 on a database made by the old 0001 (the zone in studio_settings): every studio keeps its zone,
now in the kit's studio_zone table, and the column is gone."""

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


async def test_0002_keeps_every_studios_zone_in_studio_zone(new_database) -> None:
    url = await new_database(None, prefix="notifications_mig")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0001")
    tokyo, amsterdam = uuid.uuid4(), uuid.uuid4()
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as db:
            columns = "SELECT column_name FROM information_schema.columns WHERE table_name = 'studio_settings'"
            if "time_zone" not in set((await db.execute(text(columns))).scalars()):
                # What the old 0001 made (a 0001 built from today's models has no such column).
                await db.execute(text("ALTER TABLE studio_settings ADD COLUMN time_zone TEXT NOT NULL"))
            await db.execute(
                text(
                    "INSERT INTO studio_settings (studio_id, time_zone, next_refresh_at)"
                    " VALUES (:tokyo, 'Asia/Tokyo', now()), (:amsterdam, 'Europe/Amsterdam', now())"
                ),
                {"tokyo": tokyo, "amsterdam": amsterdam},
            )
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "head")
        async with database.transaction() as db:
            zones = set((await db.execute(text("SELECT studio_id, time_zone FROM studio_zone"))).all())
            left = set((await db.execute(text(columns))).scalars())
        assert zones == {(tokyo, "Asia/Tokyo"), (amsterdam, "Europe/Amsterdam")}
        assert "time_zone" not in left
    finally:
        await database.dispose()
