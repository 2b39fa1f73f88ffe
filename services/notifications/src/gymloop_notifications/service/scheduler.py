"""Background jobs: the nightly refresh of every studio at its own local time."""

from __future__ import annotations

from datetime import UTC, datetime

from gymloop_kit.app import ServiceRuntime
from gymloop_kit.logging import get_logger
from gymloop_kit.periodic import idle_forever, run_periodically

from gymloop_notifications.service.refresh import claim_due_studio, refresh_studio
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


async def nightly_refresh_job(runtime: ServiceRuntime) -> None:
    """Background job: every `scheduler_poll_interval_s`, refresh the studios whose night has come."""
    settings = runtime.settings
    if not isinstance(settings, NotificationsSettings):
        settings = NotificationsSettings(**settings.model_dump())
    if not settings.scheduler_enabled:
        await idle_forever()

    async def one_pass() -> int:
        return await run_due_refreshes(runtime)

    await run_periodically("nightly_refresh", one_pass, interval_s=settings.scheduler_poll_interval_s)
