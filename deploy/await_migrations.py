"""`entrypoint.sh await-migrations`: wait until the service's database is at the head of the image's migrations.

The Deployments run it as an init container, so a new release's pods start only once its migration Job has
migrated, whatever order the objects were applied in. A database that is ahead (a revision this image does not
know: a newer release migrated it, and this is a rollback) is accepted: migrations stay compatible with the
release before them. Gives up after APP_MIGRATIONS_WAIT_S seconds (default 600); Kubernetes then retries.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from gymloop_kit.migrations import alembic_config
from sqlalchemy import pool
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

POLL_INTERVAL_S = 3.0


async def current_revisions(database_url: str) -> set[str]:
    engine = create_async_engine(database_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: set(MigrationContext.configure(sync).get_current_heads()))
    finally:
        await engine.dispose()


def is_known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


async def wait(migrations_dir: Path, database_url: str, limit_s: float) -> bool:
    script = ScriptDirectory.from_config(alembic_config(migrations_dir, database_url))
    heads = set(script.get_heads())
    deadline = time.monotonic() + limit_s
    while True:
        try:
            current = await current_revisions(database_url)
        except (OSError, SQLAlchemyError) as error:
            state = f"the database does not answer ({type(error).__name__}: {str(error)[:200]})"
        else:
            if heads <= current:
                print(f"the database is at head ({', '.join(sorted(heads))})", flush=True)
                return True
            if unknown := sorted(revision for revision in current if not is_known(script, revision)):
                print(f"the database is ahead of this image (at {', '.join(unknown)}): going on", flush=True)
                return True
            state = f"the database is at {', '.join(sorted(current)) or 'no revision'}"
        if time.monotonic() >= deadline:
            print(
                f"gave up after {limit_s:.0f} s: {state}, not at head {', '.join(sorted(heads))}; "
                "has the migration Job run?",
                file=sys.stderr,
                flush=True,
            )
            return False
        print(f"waiting for the migration Job: {state}, head is {', '.join(sorted(heads))}", flush=True)
        await asyncio.sleep(POLL_INTERVAL_S)


def main() -> None:
    migrations_dir = Path(os.environ["APP_MIGRATIONS_DIR"])
    limit_s = float(os.environ.get("APP_MIGRATIONS_WAIT_S", "600"))
    if not asyncio.run(wait(migrations_dir, os.environ["GYMLOOP_DATABASE_URL"], limit_s)):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
