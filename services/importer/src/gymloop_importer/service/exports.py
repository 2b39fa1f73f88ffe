"""The studio export's use cases: an admin starts one (the job row is the queue: service/export_run.py runs it),
follows it, downloads its ZIP while it is kept, and finished ZIPs are deleted after the retention time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gymloop_kit.db import Database, rows_affected
from gymloop_kit.errors import Conflict, Gone, NotFound
from gymloop_kit.http.pagination import PageParams, fetch_page
from gymloop_kit.job_queue import JobQueue
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from gymloop_importer.db.models import ExportJob

UNFINISHED = ("queued", "running")


def export_queue(stale_after: timedelta) -> JobQueue:
    """The export jobs as the kit's worker claims them: queued ones, and running ones whose worker went silent."""
    return JobQueue.of(ExportJob, "exports", waiting=UNFINISHED, running="running", stale_after=stale_after)


async def start_export(
    session: AsyncSession, *, studio_id: uuid.UUID, account_id: uuid.UUID, access_token: str
) -> ExportJob:
    """A queued export; a worker runs it once this transaction has committed, reading the services with the admin's
    token. One at a time per studio: each export reads every record of the studio, and two at once would only
    double that."""
    unfinished = await session.scalar(
        select(ExportJob.id).where(ExportJob.studio_id == studio_id, ExportJob.status.in_(UNFINISHED)).limit(1)
    )
    if unfinished is not None:
        raise Conflict(
            f"export {unfinished} of this studio is still running: wait for it to finish", code="export_running"
        )
    job = ExportJob(
        id=uuid.uuid4(),
        studio_id=studio_id,
        created_by=account_id,
        status="queued",
        datasets_total=0,
        datasets_done=0,
        error=None,
        created_at=datetime.now(UTC),
        completed_at=None,
        access_token=access_token,
    )
    session.add(job)
    await session.flush()
    return job


async def list_exports(session: AsyncSession, studio_id: uuid.UUID, page: PageParams) -> tuple[list[ExportJob], int]:
    statement = (
        select(ExportJob).where(ExportJob.studio_id == studio_id).order_by(ExportJob.created_at.desc(), ExportJob.id)
    )
    return await fetch_page(session, statement, page)


async def get_export(
    session: AsyncSession, studio_id: uuid.UUID, export_id: uuid.UUID, *, with_archive: bool = False
) -> ExportJob:
    statement = select(ExportJob).where(ExportJob.id == export_id, ExportJob.studio_id == studio_id)
    if with_archive:
        statement = statement.options(undefer(ExportJob.archive))
    job = await session.scalar(statement)
    if job is None:
        raise NotFound("export not found", code="export_not_found")
    return job


async def archive_of(session: AsyncSession, studio_id: uuid.UUID, export_id: uuid.UUID) -> bytes:
    job = await get_export(session, studio_id, export_id, with_archive=True)
    if job.status == "expired":
        deleted = job.expired_at.date().isoformat() if job.expired_at else "after the retention time"
        raise Gone(
            f"this export's ZIP was deleted on {deleted}: finished exports are kept for a limited time only. "
            "Start a new export (POST /exports) and download it once it has completed",
            code="export_expired",
        )
    if job.status != "completed" or job.archive is None:
        raise Conflict(f"the export is {job.status}: its file exists once it has completed", code="export_not_ready")
    return job.archive


async def expire_exports(database: Database, retention: timedelta, now: datetime | None = None) -> int:
    """Delete the ZIPs of exports completed longer ago than `retention`; the exports stay listed as expired."""
    now = now or datetime.now(UTC)
    async with database.transaction() as session:
        result = await session.execute(
            update(ExportJob)
            .where(ExportJob.status == "completed", ExportJob.completed_at < now - retention)
            .values(status="expired", archive=None, expired_at=now)
        )
    return rows_affected(result)
