"""Alembic per service: each service's migrations/env.py calls `run_env`, and tools call `upgrade`.

Every replica of a service migrates its database when it starts (deploy/entrypoint.sh), so replicas that start
together would race: both read an empty `alembic_version`, both create the same tables, one fails. `run_env`
therefore takes a PostgreSQL advisory lock in the migration's transaction before Alembic reads the version: the
others wait, then find the database at head and have nothing to do.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from gymloop_kit.messaging.tables import metadata as delivery_metadata

# Advisory locks are scoped to one database, so one key serves every service; the value only has to be ours.
MIGRATION_LOCK_KEY = 0x676D6C7000  # "gmlp"


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Run a service's migrations (blocking; call it from a thread inside an event loop)."""
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def downgrade(migrations_dir: Path, database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(migrations_dir, database_url), revision)


async def upgrade_async(migrations_dir: Path, database_url: str) -> None:
    await asyncio.to_thread(upgrade, migrations_dir, database_url)


def database_metadata(models: MetaData) -> list[MetaData]:
    """What a service database holds: the service's own tables and the kit's delivery tables. Autogenerate and the
    schema tests compare a migrated database with this; migrations never build tables from it."""
    return [models, delivery_metadata]


def lock_migrations(connection: Connection) -> None:
    """Wait until no other process migrates this database; held until the migration's transaction ends."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    config = context.config

    def run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=database_metadata(target_metadata), compare_type=True)
        with context.begin_transaction():
            lock_migrations(connection)  # before Alembic reads alembic_version
            context.run_migrations()

    async def run_online() -> None:
        engine = async_engine_from_config(
            config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
        )
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"), target_metadata=database_metadata(target_metadata)
        )
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_online())
