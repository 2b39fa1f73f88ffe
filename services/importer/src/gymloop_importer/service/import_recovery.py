"""After a restart no task validates the uploads that were being validated: their files are kept, so they are
validated again from the start (validate_import decides each import once, however many replicas try)."""

from __future__ import annotations

import asyncio

from gymloop_kit.app import ServiceRuntime
from gymloop_kit.logging import get_logger

from gymloop_importer.service.imports import unfinished_validations, validate_import

log = get_logger(__name__)


async def import_recovery(runtime: ServiceRuntime) -> None:
    unfinished = await unfinished_validations(runtime.database)
    if unfinished:
        log.warning("import_validations_resumed", imports=len(unfinished))
    for job_id in unfinished:
        await validate_import(runtime.database, job_id)
    # A supervised task that returns is restarted; this one's work is done once, so it waits for the service to stop.
    await asyncio.Event().wait()
