"""The kit's durable job queue on a real database: workers claiming at the same time get different jobs (FOR UPDATE
SKIP LOCKED), the oldest first; a running job is taken again only once its heartbeat is stale; a beat writes
progress only while the job is still running; and the worker loop runs every waiting job."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from gymloop_kit.db import Database
from gymloop_kit.job_queue import JobQueue, run_job_worker
from sqlalchemy import DateTime, String, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

pytestmark = pytest.mark.integration

STALE = timedelta(minutes=2)


class Base(DeclarativeBase):
    pass


class Job(Base):
    __tablename__ = "queued_job"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done: Mapped[int] = mapped_column(default=0)


QUEUE = JobQueue.of(Job, "test_jobs", waiting=("queued", "running"), running="running", stale_after=STALE)


async def _database(new_database) -> Database:
    database = Database(await new_database(prefix="jobs"), pool_size=4)
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return database


async def _add(database: Database, status: str, *, age: timedelta, heartbeat: datetime | None = None) -> uuid.UUID:
    job_id = uuid.uuid4()
    async with database.transaction() as session:
        await session.execute(
            insert(Job).values(
                id=job_id, status=status, created_at=datetime.now(UTC) - age, heartbeat_at=heartbeat, done=0
            )
        )
    return job_id


async def _statuses(database: Database) -> dict[uuid.UUID, tuple[str, int]]:
    async with database.transaction() as session:
        return {row.id: (row.status, row.done) for row in await session.execute(select(Job.id, Job.status, Job.done))}


async def test_workers_claiming_at_once_get_different_jobs_the_oldest_first(new_database) -> None:
    database = await _database(new_database)
    try:
        older = await _add(database, "queued", age=timedelta(minutes=3))
        newer = await _add(database, "queued", age=timedelta(minutes=1))
        await _add(database, "completed", age=timedelta(minutes=9))
        claims = await asyncio.gather(*(QUEUE.claim(database) for _ in range(3)))
        assert {claim for claim in claims if claim is not None} == {older, newer}
        assert claims.count(None) == 1
        assert (await _statuses(database))[older] == ("running", 0)
        assert await QUEUE.claim(database) is None  # both run, with fresh heartbeats
    finally:
        await database.dispose()


async def test_a_running_job_is_claimed_again_only_once_its_heartbeat_is_stale(new_database) -> None:
    database = await _database(new_database)
    try:
        now = datetime.now(UTC)
        alive = await _add(database, "running", age=timedelta(hours=1), heartbeat=now - STALE / 2)
        left = await _add(database, "running", age=timedelta(minutes=5), heartbeat=now - STALE * 2)
        assert await QUEUE.claim(database) == left
        assert await QUEUE.claim(database) is None
        assert await QUEUE.claim(database, now=now + STALE) == alive  # its worker went silent too
    finally:
        await database.dispose()


async def test_a_beat_records_progress_only_while_the_job_runs(new_database) -> None:
    database = await _database(new_database)
    try:
        running = await _add(database, "running", age=timedelta(minutes=1), heartbeat=datetime.now(UTC))
        finished = await _add(database, "completed", age=timedelta(minutes=1))
        await QUEUE.beat(database, running, done=3)
        await QUEUE.beat(database, finished, done=3)  # e.g. a worker that was taken over and has not noticed
        statuses = await _statuses(database)
        assert statuses[running] == ("running", 3)
        assert statuses[finished] == ("completed", 0)
    finally:
        await database.dispose()


async def test_the_worker_runs_every_waiting_job(new_database) -> None:
    database = await _database(new_database)
    try:
        jobs = [await _add(database, "queued", age=timedelta(seconds=n)) for n in range(3)]
        ran: list[uuid.UUID] = []

        async def handle(job_id: uuid.UUID) -> None:
            ran.append(job_id)
            async with database.transaction() as session:
                job = await session.get(Job, job_id)
                assert job is not None
                job.status = "completed"

        worker = asyncio.create_task(run_job_worker(QUEUE, database, handle, interval_s=0.05))
        try:
            for _ in range(100):
                if len(ran) == 3:
                    break
                await asyncio.sleep(0.05)
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        assert ran == list(reversed(jobs))  # the oldest first
        assert {status for status, _ in (await _statuses(database)).values()} == {"completed"}
    finally:
        await database.dispose()
