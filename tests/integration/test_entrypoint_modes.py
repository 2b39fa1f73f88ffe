"""The image's entry point (deploy/entrypoint.sh) run for real against PostgreSQL, as Kubernetes runs it: the
migration Job's `migrate` brings the database to head and exits, and the Deployment's init container
`await-migrations` holds the pod back until then."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from gymloop_kit.migrations import alembic_config

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
MIGRATIONS = ROOT / "services" / "bookings" / "migrations"


async def entrypoint(database_url: str, *args: str, wait_s: float = 1.0) -> tuple[int, str]:
    environment = {
        **os.environ,
        # `python` in the script is this virtual environment's, as /app/.venv/bin comes first in the image
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "APP_MIGRATIONS_DIR": str(MIGRATIONS),
        "APP_MIGRATIONS_WAIT_S": str(wait_s),
        "GYMLOOP_SERVICE_NAME": "bookings",
        "GYMLOOP_DATABASE_URL": database_url,
    }
    process = await asyncio.create_subprocess_exec(
        "sh", str(ENTRYPOINT), *args, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def revisions(database_url: str) -> set[str]:
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return {row["version_num"] for row in await connection.fetch("SELECT version_num FROM alembic_version")}
    finally:
        await connection.close()


async def test_migrate_only_migrates_and_exits_and_await_migrations_waits_for_it(new_database):
    database_url = await new_database()  # empty: no migration has run
    heads = set(ScriptDirectory.from_config(alembic_config(MIGRATIONS, database_url)).get_heads())

    code, output = await entrypoint(database_url, "await-migrations", wait_s=1.0)
    assert code == 1, output
    assert "not at head" in output
    assert "has the migration Job run?" in output

    code, output = await entrypoint(database_url, "migrate")
    assert code == 0, output  # exits: a migrate-only container that went on to serve would never end
    assert await revisions(database_url) == heads

    code, output = await entrypoint(database_url, "await-migrations")
    assert code == 0, output
    assert "at head" in output


async def test_await_migrations_goes_on_when_a_newer_release_migrated_further(new_database):
    database_url = await new_database(MIGRATIONS)
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute("UPDATE alembic_version SET version_num = 'a_newer_release'")
    finally:
        await connection.close()
    code, output = await entrypoint(database_url, "await-migrations")
    assert code == 0, output
    assert "ahead of this image" in output


async def test_an_unknown_mode_is_refused_by_name():
    code, output = await entrypoint("postgresql+asyncpg://unused/none", "migrat")
    assert code == 64
    assert "unknown command 'migrat'" in output
