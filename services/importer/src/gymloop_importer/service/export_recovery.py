"""After a restart no task runs the exports that were queued or running: they are marked failed, so the admin
sees why and starts again instead of waiting for a percentage that never moves."""

from __future__ import annotations

import asyncio

from gymloop_kit.app import ServiceRuntime
from gymloop_kit.logging import get_logger

from gymloop_importer.service.exports import fail_interrupted_exports

log = get_logger(__name__)


async def export_recovery(runtime: ServiceRuntime) -> None:
    interrupted = await fail_interrupted_exports(runtime.database)
    if interrupted:
        log.warning("exports_interrupted_by_restart", exports=interrupted)
    # A supervised task that returns is restarted; this one's work is done once, so it waits for the service to stop.
    await asyncio.Event().wait()
