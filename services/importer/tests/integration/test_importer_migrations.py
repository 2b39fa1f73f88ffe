"""The importer's migration 0002 carries existing data over."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from gymloop_kit.db import Database
from gymloop_kit.migrations import upgrade
from sqlalchemy import text

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def test_0002_keeps_progress_and_drops_collection_methods_set_in_the_importer(new_database) -> None:
    url = await new_database(None, prefix="importer_upgrade")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0001")
    job_id, set_by_admin, from_event = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO import_job (id, studio_id, created_by, created_at, status, rows_total, validated, "
                    "errors) VALUES (:id, :studio, :by, now(), 'running', 3, '[]', '[]')"
                ),
                {"id": job_id, "studio": set_by_admin, "by": uuid.uuid4()},
            )
            for number, outcome, plan, subscribed in (
                (2, "created", None, False),  # done
                (3, "updated", "Gold", False),  # waiting for billing
                (4, None, None, False),  # waiting for members
            ):
                await session.execute(
                    text(
                        "INSERT INTO import_row (row_id, job_id, studio_id, row_number, email, full_name, plan_name, "
                        "member_outcome, subscription_done) VALUES (:row_id, :job, :studio, :number, 'a@example.com', "
                        "'A B', :plan, :outcome, :subscribed)"
                    ),
                    {"row_id": f"{job_id}:{number}", "job": job_id, "studio": set_by_admin, "number": number,
                     "plan": plan, "outcome": outcome, "subscribed": subscribed},
                )  # fmt: skip
            await session.execute(
                text(
                    "INSERT INTO studio_collection (studio_id, collection_method, source) "
                    "VALUES (:admin, 'sepa_export', 'setting'), (:event, 'stripe', 'event')"
                ),
                {"admin": set_by_admin, "event": from_event},
            )
        await database.dispose()

        await asyncio.to_thread(upgrade, MIGRATIONS, url, "head")

        database = Database(url, pool_size=1)
        async with database.transaction() as session:
            statuses = (await session.execute(text("SELECT row_number, status FROM import_row ORDER BY 1"))).all()
            methods = (await session.execute(text("SELECT studio_id, collection_method FROM studio_collection"))).all()
    finally:
        await database.dispose()
    assert [tuple(row) for row in statuses] == [(2, "done"), (3, "pending"), (4, "pending")]
    assert [tuple(row) for row in methods] == [(from_event, "stripe")]
