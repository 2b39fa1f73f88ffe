"""Durable jobs whose table is the queue: a request stores the job row, a supervised worker loop runs it.

A worker claims the oldest waiting row with FOR UPDATE SKIP LOCKED, so several replicas share the jobs without
waiting on each other, and marks it running with a heartbeat. While it works it beats (with its progress), so a
job whose heartbeat stopped for `stale_after` was left by a process that died: the next claim takes it up again.
Nothing is lost when a process is killed mid-job, and a request never waits for the job.

    EXPORTS = JobQueue.of(ExportJob, "exports", waiting=("queued", "running"), running="running",
                          stale_after=timedelta(minutes=2))
    await run_job_worker(EXPORTS, database, run_export, interval_s=1.0)
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from gymloop_kit.db import Database
from gymloop_kit.periodic import run_periodically

Handler = Callable[[uuid.UUID], Awaitable[None]]


@dataclass(frozen=True)
class JobQueue:
    """Where one kind of job keeps its state: the mapped columns of its table and the statuses that matter."""

    name: str
    id: InstrumentedAttribute[uuid.UUID]
    status: InstrumentedAttribute[str]
    heartbeat_at: InstrumentedAttribute[datetime | None]
    created_at: InstrumentedAttribute[datetime]
    waiting: tuple[str, ...]  # statuses of jobs still to be run (a running one only once its heartbeat is stale)
    running: str  # the status a claimed job gets
    stale_after: timedelta

    @classmethod
    def of(cls, model: Any, name: str, *, waiting: tuple[str, ...], running: str, stale_after: timedelta) -> JobQueue:
        """The queue of a mapped job table whose columns have the usual names: id, status, heartbeat_at, created_at."""
        return cls(
            name=name, id=model.id, status=model.status, heartbeat_at=model.heartbeat_at,
            created_at=model.created_at, waiting=waiting, running=running, stale_after=stale_after,
        )  # fmt: skip

    @property
    def model(self) -> Any:
        return self.id.class_

    async def claim(self, database: Database, now: datetime | None = None) -> uuid.UUID | None:
        """The oldest job nobody works on, now marked running by this worker; None when there is none."""
        now = now or datetime.now(UTC)
        async with database.transaction() as session:
            job_id = await session.scalar(
                select(self.id)
                .where(
                    self.status.in_(self.waiting),
                    or_(self.heartbeat_at.is_(None), self.heartbeat_at < now - self.stale_after),
                )
                .order_by(self.created_at, self.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job_id is None:
                return None
            await session.execute(
                update(self.model)
                .where(self.id == job_id)
                .values({self.status.key: self.running, self.heartbeat_at.key: now})
            )
        return job_id

    async def beat(self, database: Database, job_id: uuid.UUID, **progress: Any) -> None:
        """Tell that the job is alive (and how far it is), in a short transaction of its own, while it runs."""
        async with database.transaction() as session:
            await session.execute(
                update(self.model)
                .where(self.id == job_id, self.status == self.running)
                .values({self.heartbeat_at.key: datetime.now(UTC), **progress})
            )


async def run_job_worker(queue: JobQueue, database: Database, handle: Handler, *, interval_s: float) -> None:
    """Claim and run jobs one after the other until cancelled; look again every `interval_s` when none waits.
    `handle` records the job's outcome itself (completed or failed); should it raise, the job stays running and
    is taken up again once its heartbeat is stale."""

    async def one_job() -> int:
        job_id = await queue.claim(database)
        if job_id is None:
            return 0
        await handle(job_id)
        return 1

    await run_periodically(f"{queue.name}_worker", one_job, interval_s=interval_s, drain=True)
