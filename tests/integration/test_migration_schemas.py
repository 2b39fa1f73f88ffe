"""Every service's migrations: no revision imports live code; run from scratch, the schema is what models.py and
the kit's tables describe (a model change without its migration fails here); replicas that start together
migrate the database once; a downgrade to base leaves an empty database."""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from gymloop_devstack.migration_checks import (
    applied_revisions,
    head_revision,
    migrate_at_once,
    outbox_triggers,
    project_imports,
    public_schema_objects,
    schema_differences,
)
from gymloop_kit import studio_clock
from gymloop_kit.migrations import downgrade, upgrade
from sqlalchemy import MetaData

pytestmark = pytest.mark.integration

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


@dataclass(frozen=True)
class ServiceSchema:
    name: str
    kit_tables: tuple[MetaData, ...] = ()  # beyond the delivery tables, as the service's migrations/env.py says

    @property
    def migrations(self) -> Path:
        return SERVICES_DIR / self.name / "migrations"

    @property
    def models_module(self) -> str:
        return f"gymloop_{self.name}.db.models"

    @property
    def metadata(self) -> list[MetaData]:
        return [importlib.import_module(self.models_module).Base.metadata, *self.kit_tables]


SCHEMAS = [
    ServiceSchema("members"),
    ServiceSchema("billing", (studio_clock.metadata,)),
    ServiceSchema("bookings", (studio_clock.metadata,)),
    ServiceSchema("notifications", (studio_clock.metadata,)),
    ServiceSchema("importer", (studio_clock.metadata,)),
]
by_name = pytest.mark.parametrize("service", SCHEMAS, ids=lambda service: service.name)


def test_every_service_with_migrations_is_checked() -> None:
    with_migrations = {path.parent.name for path in SERVICES_DIR.glob("*/migrations")}
    assert with_migrations == {service.name for service in SCHEMAS}


@by_name
def test_no_revision_imports_models_contracts_or_the_kit(service: ServiceSchema) -> None:
    assert project_imports(service.migrations) == []


@by_name
async def test_a_database_migrated_from_scratch_matches_the_models(service: ServiceSchema, new_database) -> None:
    url = await new_database(service.migrations, prefix=f"{service.name}_schema")
    assert await schema_differences(url, *service.metadata) == []
    assert await outbox_triggers(url) == ["outbox_notify"]


@by_name
async def test_two_replicas_started_at_once_migrate_the_database_once(service: ServiceSchema, new_database) -> None:
    url = await new_database(None, prefix=f"{service.name}_replicas")
    runs = await migrate_at_once(service.migrations, url, replicas=2, preload=(service.models_module,))
    assert [run.returncode for run in runs] == [0, 0], "\n".join(run.stderr for run in runs)
    assert await applied_revisions(url) == [head_revision(service.migrations)]
    assert await outbox_triggers(url) == ["outbox_notify"]
    assert await schema_differences(url, *service.metadata) == []


@by_name
async def test_a_downgrade_to_base_leaves_only_alembic_version_and_an_upgrade_rebuilds_the_schema(
    service: ServiceSchema, new_database
) -> None:
    url = await new_database(service.migrations, prefix=f"{service.name}_downgrade")
    await asyncio.to_thread(downgrade, service.migrations, url, "base")
    assert await public_schema_objects(url) == ["alembic_version", "alembic_version_pkc"]
    await asyncio.to_thread(upgrade, service.migrations, url)
    assert await schema_differences(url, *service.metadata) == []
