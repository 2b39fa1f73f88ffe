"""The importer's supervised background jobs: the workers that validate uploads and run studio exports (both on
the kit's job queue: the job row is the queue, a restart loses nothing), and the retention job that deletes
finished export ZIPs once they are older than the configured time."""

from __future__ import annotations

import functools
from datetime import timedelta

import httpx
from gymloop_kit.app import ServiceRuntime
from gymloop_kit.job_queue import run_job_worker
from gymloop_kit.logging import get_logger
from gymloop_kit.periodic import run_periodically

from gymloop_importer.service.export_run import ExportRun
from gymloop_importer.service.exports import expire_exports, export_queue
from gymloop_importer.service.imports import validate_import, validation_queue
from gymloop_importer.settings import ImporterSettings

log = get_logger(__name__)


def _settings(runtime: ServiceRuntime) -> ImporterSettings:
    settings = runtime.settings
    return settings if isinstance(settings, ImporterSettings) else ImporterSettings(**settings.model_dump())


async def validation_worker(runtime: ServiceRuntime) -> None:
    settings = _settings(runtime)
    queue = validation_queue(timedelta(seconds=settings.job_stale_after_s))
    validate = functools.partial(validate_import, runtime.database, queue)
    await run_job_worker(queue, runtime.database, validate, interval_s=settings.job_poll_interval_s)


async def export_worker(runtime: ServiceRuntime) -> None:
    settings = _settings(runtime)
    queue = export_queue(timedelta(seconds=settings.job_stale_after_s))
    async with httpx.AsyncClient(timeout=30.0, trust_env=False) as client:
        run = ExportRun(runtime.database, queue, settings.service_urls, client)
        await run_job_worker(queue, runtime.database, run.run, interval_s=settings.job_poll_interval_s)


async def export_retention(runtime: ServiceRuntime) -> None:
    settings = _settings(runtime)
    retention = timedelta(hours=settings.export_retention_hours)

    async def expire() -> int:
        expired = await expire_exports(runtime.database, retention)
        if expired:
            log.info("exports_expired", exports=expired)
        return expired

    await run_periodically("export_retention", expire, interval_s=settings.export_expiry_interval_s)
