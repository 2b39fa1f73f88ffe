"""Background jobs: the nightly refresh of every studio at its own local time, and the refreshes staff ask for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from gymloop_kit.app import ServiceRuntime
from gymloop_kit.job_queue import run_job_worker
from gymloop_kit.logging import get_logger
from gymloop_kit.periodic import idle_forever, run_periodically

from gymloop_notifications.service.refresh import claim_due_studio, refresh_studio
from gymloop_notifications.service.refresh_jobs import REFRESH_JOBS, run_refresh_job
from gymloop_notifications.settings import NotificationsSettings

log = get_logger(__name__)


async def run_due_refreshes(runtime: ServiceRuntime) -> int:
    """Refresh every studio whose night has come; each in its own transaction."""
    done = 0
    while True:
        now = datetime.now(UTC)
        async with runtime.database.transaction() as session:
            studio_id = await claim_due_studio(session, now)
            if studio_id is None:
                return done
            result = await refresh_studio(session, studio_id, now)
        log.info("nightly_refresh_done", studio_id=str(studio_id), created=result.created,
                 members=result.members_evaluated)  # fmt: skip
        done += 1


def _settings(runtime: ServiceRuntime) -> NotificationsSettings:
    settings = runtime.settings
    return settings if isinstance(settings, NotificationsSettings) else NotificationsSettings(**settings.model_dump())


async def nightly_refresh_job(runtime: ServiceRuntime) -> None:
    """Background job: every `scheduler_poll_interval_s`, refresh the studios whose night has come."""
    settings = _settings(runtime)
    if not settings.scheduler_enabled:
        await idle_forever()

    async def one_pass() -> int:
        return await run_due_refreshes(runtime)

    await run_periodically("nightly_refresh", one_pass, interval_s=settings.scheduler_poll_interval_s)


async def refresh_job_worker(runtime: ServiceRuntime) -> None:
    """Background job: run the refreshes staff asked for (POST /refresh), one after another."""
    settings = _settings(runtime)

    async def run(job_id: uuid.UUID) -> None:
        await run_refresh_job(runtime.database, REFRESH_JOBS, job_id)

    await run_job_worker(REFRESH_JOBS, runtime.database, run, interval_s=settings.refresh_job_poll_interval_s)
