"""The studio export: an admin starts it, a job reads every data service's datasets over HTTP with the admin's
token, then stores one ZIP. Progress is written in short transactions of their own, and no network call ever
happens inside a transaction (a slow service must not hold a database connection)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from gymloop_kit.db import Database
from gymloop_kit.errors import Conflict, NotFound
from gymloop_kit.http.pagination import MAX_LIMIT, PageParams, fetch_page
from gymloop_kit.logging import get_logger
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from gymloop_importer.db.models import ExportJob
from gymloop_importer.domain.export_archive import ExportedDataset, build_archive

log = get_logger(__name__)

UNFINISHED = ("queued", "running")
UNEXPECTED_MESSAGE = "The export failed unexpectedly: start it again; if it fails again, tell support its id."
RESTARTED_MESSAGE = "The importer restarted while this export ran, so it was stopped: start the export again."


class ServiceUnavailable(Exception):
    """A data service did not give its part of the export; the message names it and says what to do."""


async def start_export(session: AsyncSession, *, studio_id: uuid.UUID, account_id: uuid.UUID) -> ExportJob:
    """A queued export; it runs once this transaction has committed. One at a time per studio: each export reads
    every record of the studio, and two at once would only double that."""
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
    if job.status != "completed" or job.archive is None:
        raise Conflict(f"the export is {job.status}: its file exists once it has completed", code="export_not_ready")
    return job.archive


async def fail_interrupted_exports(database: Database) -> int:
    """At start-up: an export that was queued or running when the importer stopped has no task any more."""
    async with database.transaction() as session:
        result = await session.execute(
            update(ExportJob)
            .where(ExportJob.status.in_(UNFINISHED))
            .values(status="failed", error=RESTARTED_MESSAGE, completed_at=datetime.now(UTC))
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def _set(database: Database, job_id: uuid.UUID, **values: Any) -> None:
    async with database.transaction() as session:
        await session.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


async def _count_done(database: Database, job_id: uuid.UUID) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(ExportJob).where(ExportJob.id == job_id).values(datasets_done=ExportJob.datasets_done + 1)
        )


async def _get_json(client: httpx.AsyncClient, service: str, url: str, token: str, **params: Any) -> Any:
    what_to_do = "start the export again once it is back (or ask the operator to check it)"
    try:
        answer = await client.get(url, params=params, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as error:
        raise ServiceUnavailable(
            f"The {service} service did not answer ({type(error).__name__}): {what_to_do}."
        ) from error
    if answer.status_code != 200:
        raise ServiceUnavailable(f"The {service} service answered {answer.status_code} to {url}: {what_to_do}.")
    return answer.json()


async def _read_dataset(
    client: httpx.AsyncClient, service: str, base_url: str, token: str, entry: Mapping[str, Any]
) -> ExportedDataset:
    records: list[dict[str, Any]] = []
    url = f"{base_url}/export/{entry['name']}"
    while True:
        page = await _get_json(client, service, url, token, limit=MAX_LIMIT, offset=len(records))
        records.extend(page["items"])
        if not page["items"] or len(records) >= page["total"]:
            break
    return ExportedDataset(
        service=service,
        name=entry["name"],
        description=entry["description"],
        columns=tuple((column["name"], column["description"]) for column in entry["columns"]),
        records=tuple(records),
    )


async def run_export(
    database: Database,
    service_urls: Mapping[str, str],
    job_id: uuid.UUID,
    token: str,
    *,
    client: httpx.AsyncClient | None = None,
) -> None:
    """Run one export to its end: completed with the ZIP, or failed with a message that says what to do. Never
    raises, so the task that runs it after the answer ends cleanly."""
    own_client = client is None
    http = client or httpx.AsyncClient(timeout=30.0, trust_env=False)
    try:
        await _set(database, job_id, status="running")
        catalogues: dict[str, list[dict[str, Any]]] = {}
        for service, base_url in sorted(service_urls.items()):
            catalogue = await _get_json(http, service, f"{base_url.rstrip('/')}/export", token)
            catalogues[service] = catalogue["datasets"]
        await _set(database, job_id, datasets_total=sum(len(entries) for entries in catalogues.values()))
        datasets: list[ExportedDataset] = []
        for service, entries in catalogues.items():
            base_url = service_urls[service].rstrip("/")
            for entry in entries:
                datasets.append(await _read_dataset(http, service, base_url, token, entry))
                await _count_done(database, job_id)
        made_at = datetime.now(UTC)
        async with database.transaction() as session:
            studio_id = await session.scalar(select(ExportJob.studio_id).where(ExportJob.id == job_id))
        # Compressing every record of a studio takes CPU time: keep the event loop free meanwhile.
        archive = await asyncio.to_thread(build_archive, datasets, f"studio {studio_id}", made_at)
        await _set(database, job_id, status="completed", archive=archive, completed_at=datetime.now(UTC))
        log.info("export_completed", export_id=str(job_id), datasets=len(datasets), bytes=len(archive))
    except ServiceUnavailable as error:
        log.warning("export_failed", export_id=str(job_id), error=str(error))
        await _fail(database, job_id, str(error))
    except Exception as error:
        log.error("export_failed", export_id=str(job_id), error=repr(error), exc_info=True)
        await _fail(database, job_id, UNEXPECTED_MESSAGE)
    finally:
        if own_client:
            await http.aclose()


async def _fail(database: Database, job_id: uuid.UUID, message: str) -> None:
    try:
        await _set(database, job_id, status="failed", error=message, completed_at=datetime.now(UTC))
    except Exception as error:
        # the database itself is gone: the next start-up fails the export (fail_interrupted_exports)
        log.error("export_failure_not_recorded", export_id=str(job_id), error=repr(error))
