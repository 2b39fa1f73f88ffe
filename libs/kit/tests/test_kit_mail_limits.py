"""The kit's mail limits against real PostgreSQL: per recipient and per client address in a window, counted only
for the mails allowed, separate per kind, free again once the window has passed, and held under concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from gymloop_kit.db import Database
from gymloop_kit.mail.limits import MailLimits, allow_mail, mail_limit
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

NOW = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)
PASSWORD = MailLimits(kind="password", window=timedelta(hours=1), max_per_recipient=2, max_per_address=3)


@pytest_asyncio.fixture(loop_scope="session")
async def database(new_database) -> AsyncIterator[Database]:
    database = Database(await new_database(prefix="kitmaillimit"))
    async with database.engine.begin() as connection:
        await connection.run_sync(mail_limit.metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


async def allowed(database: Database, recipient: str, address: str, *, limits: MailLimits = PASSWORD,
                  now: datetime = NOW) -> bool:  # fmt: skip
    async with database.transaction() as session:
        return await allow_mail(session, limits, recipient=recipient, address=address, now=now)


async def test_a_recipient_gets_at_most_its_limit_from_any_address(database: Database) -> None:
    answers = [await allowed(database, "ann@gym.example", f"10.0.0.{n}") for n in range(4)]
    assert answers == [True, True, False, False]
    # another kind of mail has limits of its own
    welcome = MailLimits(kind="welcome", window=timedelta(hours=1), max_per_recipient=1, max_per_address=1)
    assert await allowed(database, "ann@gym.example", "10.0.0.9", limits=welcome)
    # once the first mails have left the window, one more may go
    assert await allowed(database, "ann@gym.example", "10.0.0.5", now=NOW + timedelta(minutes=61))


async def test_an_address_reaches_its_limit_across_recipients(database: Database) -> None:
    answers = [await allowed(database, f"person{n}@gym.example", "203.0.113.9") for n in range(5)]
    assert answers == [True, True, True, False, False]
    assert await allowed(database, "person4@gym.example", "198.51.100.1")  # the same person from elsewhere


async def test_concurrent_requests_count_each_other(database: Database) -> None:
    answers = await asyncio.gather(*(allowed(database, "rush@gym.example", f"192.0.2.{n}") for n in range(8)))
    assert sorted(answers) == [False] * 6 + [True] * 2
    async with database.transaction() as session:
        counted = await session.scalar(
            select(func.count()).select_from(mail_limit).where(mail_limit.c.recipient == "rush@gym.example")
        )
    assert counted == 2  # only the allowed mails are counted
