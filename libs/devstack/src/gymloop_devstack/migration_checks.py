"""Checks of a service's migrations for its tests: the migrated schema is what the models describe, and replicas
that start at the same moment migrate a database once."""

from __future__ import annotations

import ast
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from gymloop_kit.db import Database
from gymloop_kit.migrations import alembic_config, database_metadata
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection


async def schema_differences(database_url: str, models: MetaData, *kit_tables: MetaData) -> list[Any]:
    """What autogenerate would write to turn the database into models.py plus the kit's tables (columns,
    types, server defaults, keys, indexes): each difference is a migration still to write."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        # alembic compares a sequence of MetaData as one (its docs say so; its annotation names one)
        return list(compare_metadata(context, database_metadata(models, *kit_tables)))  # type: ignore[arg-type]

    database = Database(database_url, pool_size=1)
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await database.dispose()


def head_revision(migrations_dir: Path) -> str | None:
    return ScriptDirectory.from_config(alembic_config(migrations_dir, "")).get_current_head()


async def applied_revisions(database_url: str) -> list[str]:
    return [str(version) for version in await _scalars(database_url, "SELECT version_num FROM alembic_version")]


async def outbox_triggers(database_url: str) -> list[str]:
    """The triggers on the outbox (the one that wakes the relay on commit is in no metadata)."""
    sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'outbox'::regclass AND NOT tgisinternal ORDER BY tgname"
    return [str(name) for name in await _scalars(database_url, sql)]


async def public_schema_objects(database_url: str) -> list[str]:
    """Every table, index and sequence in the public schema, and every function there (as `name()`)."""
    sql = (
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'public'"
        " UNION ALL SELECT proname || '()' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE nspname = 'public' ORDER BY 1"
    )
    return [str(name) for name in await _scalars(database_url, sql)]


async def _scalars(database_url: str, sql: str) -> list[Any]:
    database = Database(database_url, pool_size=1)
    try:
        async with database.transaction() as session:
            return list((await session.execute(text(sql))).scalars())
    finally:
        await database.dispose()


# A replica's start up to its migration: everything imported, then it waits for "go", so that all replicas reach
# the migration at the same moment (as containers started together do), not one after the other by luck. Each
# statement is slowed down a little, as on a busy database, so that a short migration is still running when the
# other replicas begin theirs.
_REPLICA = """
import importlib, sys, time
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.engine import Engine
from gymloop_kit.migrations import upgrade
for module in sys.argv[3:]:
    importlib.import_module(module)
event.listen(Engine, "before_cursor_execute", lambda *_: time.sleep(0.02))
print("ready", flush=True)
sys.stdin.readline()
upgrade(Path(sys.argv[1]), sys.argv[2])
"""


@dataclass(frozen=True)
class ReplicaRun:
    returncode: int
    stderr: str


async def migrate_at_once(
    migrations_dir: Path, database_url: str, *, replicas: int = 2, preload: tuple[str, ...] = (), timeout: float = 120
) -> list[ReplicaRun]:
    """Start `replicas` processes that each run the migrations as deploy/entrypoint.sh does before the service
    starts (`gymloop_kit.migrations.upgrade`), release them together, and say how each ended. `preload` names
    the modules the migrations' env.py imports, so that no replica is still importing when the others migrate."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", _REPLICA, str(migrations_dir), database_url, *preload,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(replicas)
    ]  # fmt: skip
    try:
        for process in processes:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), timeout)
            if line.strip() != b"ready":
                _, stderr = await process.communicate()
                raise AssertionError(f"a replica did not start: {stderr.decode()}")
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(b"go\n")
        ends = await asyncio.wait_for(asyncio.gather(*(process.communicate() for process in processes)), timeout)
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
    return [
        ReplicaRun(returncode=_ended(process), stderr=stderr.decode())
        for process, (_, stderr) in zip(processes, ends, strict=True)
    ]


def _ended(process: asyncio.subprocess.Process) -> int:
    assert process.returncode is not None, "communicate() returns once the process has ended"
    return process.returncode


def project_imports(migrations_dir: Path) -> list[str]:
    """`revision file: module` for each import of our own packages (models, contracts, kit) in a revision. A
    revision that has run must never change, so it may not build its schema or its events from live code."""
    found = []
    for path in sorted((migrations_dir / "versions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or "." * node.level]
            found += [f"{path.name}: {module}" for module in modules if module.startswith(("gymloop", "."))]
    return found
