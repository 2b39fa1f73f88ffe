"""The bookings migrations: no revision imports live code; run from scratch, the schema is what models.py and the
kit's delivery tables describe (a model change without its migration fails here); replicas that start together
migrate the database once; a downgrade to base leaves an empty database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from gymloop_bookings.db.models import Base
from gymloop_devstack.migration_checks import (
    applied_revisions,
    head_revision,
    migrate_at_once,
    outbox_triggers,
    project_imports,
    public_schema_objects,
    schema_differences,
)
from gymloop_kit.migrations import downgrade, upgrade

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def test_no_revision_imports_models_contracts_or_the_kit() -> None:
    assert project_imports(MIGRATIONS) == []


async def test_a_database_migrated_from_scratch_matches_the_models(new_database) -> None:
    url = await new_database(MIGRATIONS, prefix="bookings_schema")
    assert await schema_differences(url, Base.metadata) == []
    assert await outbox_triggers(url) == ["outbox_notify"]


async def test_two_replicas_started_at_once_migrate_the_database_once(new_database) -> None:
    url = await new_database(None, prefix="bookings_replicas")
    runs = await migrate_at_once(MIGRATIONS, url, replicas=2, preload=(Base.__module__,))
    assert [run.returncode for run in runs] == [0, 0], "\n".join(run.stderr for run in runs)
    assert await applied_revisions(url) == [head_revision(MIGRATIONS)]
    assert await outbox_triggers(url) == ["outbox_notify"]
    assert await schema_differences(url, Base.metadata) == []


async def test_a_downgrade_to_base_leaves_only_alembic_version_and_an_upgrade_rebuilds_the_schema(
    new_database,
) -> None:
    url = await new_database(MIGRATIONS, prefix="bookings_downgrade")
    await asyncio.to_thread(downgrade, MIGRATIONS, url, "base")
    assert await public_schema_objects(url) == ["alembic_version", "alembic_version_pkc"]
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    assert await schema_differences(url, Base.metadata) == []
