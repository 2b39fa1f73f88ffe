"""On-demand refreshes as jobs: staff ask (202 with the job), the refresh worker runs it, staff read its progress.

A refresh of a large studio takes longer than a request should; the job row says where it is. Asking again while
the studio's job is still queued answers that job (it will use the latest settings anyway). The job table is the
kit's `JobQueue` (claim with SKIP LOCKED, progress as the heartbeat): the refresh and the job's outcome commit
together; progress is written in transactions of its own so it can be read meanwhile; a job whose worker died (no
progress for `STALE_AFTER`) is taken up again by the next worker.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import uuid_utils.compat as uuid_compat
from gymloop_kit.db import Database
from gymloop_kit.errors import NotFound
from gymloop_kit.job_queue import JobQueue
from gymloop_kit.logging import get_logger
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.db.models import RefreshJob
from gymloop_notifications.service.refresh import refresh_studio

log = get_logger(__name__)

STALE_AFTER = timedelta(minutes=5)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# The kit's durable queue on the job table: a queued job, or a running one whose progress stopped (its worker died).
REFRESH_JOBS = JobQueue(
    name="refresh_jobs", id=RefreshJob.job_id, status=RefreshJob.status, heartbeat_at=RefreshJob.progress_at,
    created_at=RefreshJob.requested_at, waiting=(JobStatus.QUEUED.value, JobStatus.RUNNING.value),
    running=JobStatus.RUNNING.value, stale_after=STALE_AFTER,
)  # fmt: skip


async def request_refresh(
    session: AsyncSession, studio_id: uuid.UUID, requested_by: uuid.UUID, now: datetime | None = None
) -> RefreshJob:
    """Queue a refresh of the studio, or answer the one already waiting to start."""
    waiting = (
        await session.execute(
            select(RefreshJob)
            .where(RefreshJob.studio_id == studio_id, RefreshJob.status == JobStatus.QUEUED.value)
            .order_by(RefreshJob.requested_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    if waiting is not None:
        return waiting
    job = RefreshJob(
        job_id=uuid_compat.uuid7(),
        studio_id=studio_id,
        requested_by=requested_by,
        status=JobStatus.QUEUED.value,
        members_evaluated=0,
        candidates=0,
        created=0,
        requested_at=now or datetime.now(UTC),
    )
    session.add(job)
    await session.flush()
    return job


async def get_job(session: AsyncSession, studio_id: uuid.UUID, job_id: uuid.UUID) -> RefreshJob:
    job = await session.get(RefreshJob, job_id)
    if job is None or job.studio_id != studio_id:  # another studio's job does not exist for this caller
        raise NotFound(f"refresh job {job_id} not found", code="refresh_job_not_found", field="job_id")
    return job


async def run_refresh_job(database: Database, queue: JobQueue, job_id: uuid.UUID) -> None:
    """Run one claimed job: the refresh and the job's outcome commit together; a failure is recorded for staff."""
    async with database.transaction() as session:
        studio_id = await session.scalar(select(RefreshJob.studio_id).where(RefreshJob.job_id == job_id))
    if studio_id is None:
        return
    await queue.beat(database, job_id, started_at=datetime.now(UTC))

    async def report(evaluated: int, total: int) -> None:
        await queue.beat(database, job_id, members_evaluated=evaluated, members_total=total)

    try:
        async with database.transaction() as session:
            result = await refresh_studio(session, studio_id, progress=report)
            await session.execute(
                update(RefreshJob)
                .where(RefreshJob.job_id == job_id)
                .values(
                    status=JobStatus.SUCCEEDED.value,
                    today=result.today,
                    members_evaluated=result.members_evaluated,
                    candidates=result.candidates,
                    created=result.created,
                    finished_at=datetime.now(UTC),
                )
            )
    except Exception as error:
        log.exception("refresh_job_failed", job_id=str(job_id), studio_id=str(studio_id))
        async with database.transaction() as session:
            await session.execute(
                update(RefreshJob)
                .where(RefreshJob.job_id == job_id)
                .values(
                    status=JobStatus.FAILED.value,
                    # What staff read: the kind of failure, no internals (the traceback is in the log).
                    error=f"the refresh failed ({type(error).__name__}); ask for a new one",
                    finished_at=datetime.now(UTC),
                )
            )
        return
    log.info("refresh_job_done", job_id=str(job_id), studio_id=str(studio_id), created=result.created,
             members=result.members_evaluated)  # fmt: skip
