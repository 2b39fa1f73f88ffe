"""Running one studio export: read every data service's datasets over HTTP with the admin's token, then store one
ZIP. Progress is written in short transactions of their own (the kit's job heartbeat), and no network call ever
happens inside a transaction (a slow service must not hold a database connection)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from gymloop_kit.db import Database
from gymloop_kit.http.pagination import MAX_LIMIT
from gymloop_kit.job_queue import JobQueue
from gymloop_kit.logging import get_logger
from sqlalchemy import select, update

from gymloop_importer.db.models import ExportJob
from gymloop_importer.domain.export_archive import ExportedDataset, build_archive

log = get_logger(__name__)

UNEXPECTED_MESSAGE = "The export failed unexpectedly: start it again; if it fails again, tell support its id."
SIGNED_OUT_MESSAGE = (
    "The {service} service no longer accepted the sign-in of the admin who started this export (it ran after "
    "that sign-in had ended, e.g. after a long restart): start the export again."
)


class ServiceUnavailable(Exception):
    """A data service did not give its part of the export; the message names it and says what to do."""


async def _get_json(client: httpx.AsyncClient, service: str, url: str, token: str, **params: Any) -> Any:
    what_to_do = "start the export again once it is back (or ask the operator to check it)"
    try:
        answer = await client.get(url, params=params, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as error:
        raise ServiceUnavailable(
            f"The {service} service did not answer ({type(error).__name__}): {what_to_do}."
        ) from error
    if answer.status_code == 401:
        raise ServiceUnavailable(SIGNED_OUT_MESSAGE.format(service=service))
    if answer.status_code != 200:
        raise ServiceUnavailable(f"The {service} service answered {answer.status_code} to {url}: {what_to_do}.")
    return answer.json()


class ExportRun:
    """One claimed export job, run to its end by `run`."""

    def __init__(
        self, database: Database, queue: JobQueue, service_urls: Mapping[str, str], client: httpx.AsyncClient
    ) -> None:
        self.database, self.queue, self.service_urls, self.http = database, queue, service_urls, client

    async def run(self, job_id: uuid.UUID) -> None:
        """Completed with the ZIP, or failed with a message that says what to do. Never raises, so the worker
        goes on with the next job."""
        try:
            await self._export(job_id)
        except ServiceUnavailable as error:
            log.warning("export_failed", export_id=str(job_id), error=str(error))
            await self._fail(job_id, str(error))
        except Exception as error:
            log.error("export_failed", export_id=str(job_id), error=repr(error), exc_info=True)
            await self._fail(job_id, UNEXPECTED_MESSAGE)

    async def _export(self, job_id: uuid.UUID) -> None:
        async with self.database.transaction() as session:
            studio_id, token = (
                await session.execute(select(ExportJob.studio_id, ExportJob.access_token).where(ExportJob.id == job_id))
            ).one()
        if not token:
            raise ServiceUnavailable(SIGNED_OUT_MESSAGE.format(service="importer"))
        catalogues: dict[str, list[dict[str, Any]]] = {}
        for service, base_url in sorted(self.service_urls.items()):
            catalogue = await _get_json(self.http, service, f"{base_url.rstrip('/')}/export", token)
            catalogues[service] = catalogue["datasets"]
        total = sum(len(entries) for entries in catalogues.values())
        # a job taken up again after a stopped worker starts over: its count starts at 0 again
        await self.queue.beat(self.database, job_id, datasets_total=total, datasets_done=0)
        datasets: list[ExportedDataset] = []
        for service, entries in catalogues.items():
            base_url = self.service_urls[service].rstrip("/")
            for entry in entries:
                datasets.append(await self._read_dataset(job_id, service, base_url, token, entry))
                await self.queue.beat(self.database, job_id, datasets_done=len(datasets))
        # Compressing every record of a studio takes CPU time: keep the event loop free meanwhile.
        archive = await asyncio.to_thread(build_archive, datasets, f"studio {studio_id}", datetime.now(UTC))
        await self._finish(job_id, status="completed", archive=archive)
        log.info("export_completed", export_id=str(job_id), datasets=len(datasets), bytes=len(archive))

    async def _read_dataset(
        self, job_id: uuid.UUID, service: str, base_url: str, token: str, entry: Mapping[str, Any]
    ) -> ExportedDataset:
        records: list[dict[str, Any]] = []
        url = f"{base_url}/export/{entry['name']}"
        while True:
            page = await _get_json(self.http, service, url, token, limit=MAX_LIMIT, offset=len(records))
            records.extend(page["items"])
            if not page["items"] or len(records) >= page["total"]:
                break
            await self.queue.beat(self.database, job_id)  # a large dataset is many pages: still alive
        return ExportedDataset(
            service=service,
            name=entry["name"],
            description=entry["description"],
            columns=tuple((column["name"], column["description"]) for column in entry["columns"]),
            records=tuple(records),
        )

    async def _finish(self, job_id: uuid.UUID, **values: Any) -> None:
        # the token is no longer needed once the job has ended: it is not kept
        async with self.database.transaction() as session:
            await session.execute(
                update(ExportJob)
                .where(ExportJob.id == job_id)
                .values(access_token=None, completed_at=datetime.now(UTC), **values)
            )

    async def _fail(self, job_id: uuid.UUID, message: str) -> None:
        try:
            await self._finish(job_id, status="failed", error=message)
        except Exception as error:
            # the database itself is gone: the job stays running and is taken up again once its heartbeat is stale
            log.error("export_failure_not_recorded", export_id=str(job_id), error=repr(error))
