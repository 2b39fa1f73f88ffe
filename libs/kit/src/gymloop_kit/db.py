"""Async SQLAlchemy engine and sessions. The transaction is decided in one place: `Database.transaction`.

Use cases take an AsyncSession and never commit; the HTTP dependency and the consumer wrap each request or
message in exactly one transaction, committed when the work succeeds and rolled back when it raises.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias, cast

from sqlalchemy import MetaData, Select, Table, func, select, text
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from gymloop_kit.errors import AppError

# Stable constraint names, so Alembic migrations stay reproducible across services.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class CommitFailed(AppError):
    """The work was done but the database refused to commit it, so nothing of it was stored."""

    status_code = 500
    title = "Commit failed"

    def __init__(self) -> None:
        super().__init__(
            "the database refused to store this change, so nothing was changed: try again, and if it keeps "
            "failing, report it with the X-Correlation-ID of this answer",
            code="commit_failed",
        )


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


# A SELECT of any columns: SQLAlchemy types a statement by its columns (`Select[int, str]`); `Select[Any]` is one.
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


def table_of(model: type[Any]) -> Table:
    """The Core table of an ORM model, typed as one (mypy sees `Model.__table__` as any FromClause)."""
    return cast(Table, model.__table__)


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched: a DML statement's result is a cursor result, typed as any Result."""
    return cast("CursorResult[Any]", result).rowcount


async def lock_key(session: AsyncSession, key: str) -> None:
    """A transaction-scoped advisory lock on a name: serialises the writers of something that has no row to lock
    yet (an e-mail address at sign-up, the counts of a throttle)."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def asyncpg_dsn(database_url: str) -> str:
    """The plain libpq-style DSN asyncpg wants, from a SQLAlchemy URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class Database:
    def __init__(
        self, url: str, *, pool_size: int = 10, echo: bool = False, pre_ping: bool = False, **engine_kwargs: Any
    ) -> None:
        self.url = url
        self.pool_size = pool_size
        self.max_overflow = pool_size  # connections opened beyond the pool under load, closed when returned
        # No pre-ping by default: it costs a round trip on every checkout, i.e. on every transaction. Connections
        # are recycled hourly instead; after a database restart the first use of a dead connection fails once.
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=self.max_overflow, pool_pre_ping=pre_ping, pool_recycle=3600,
            echo=echo, **engine_kwargs,
        )  # fmt: skip
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit if the block succeeds, roll back if it raises."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
