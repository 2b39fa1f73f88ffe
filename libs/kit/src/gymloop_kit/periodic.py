"""Background jobs that repeat: one loop, so every service's schedulers and senders behave the same.

A step that fails is logged with its traceback and tried again on the next tick, or later while it keeps
failing (exponential backoff up to `backoff_max_s`: the database or a mail server may be away for a while);
the loop never dies of it, so `/ready` keeps telling the truth about the task. The job itself runs under the
service's supervisor (gymloop_kit.supervision), which restarts it should it fail anyway. A step returns how much
work it did: with `drain`, the next step runs at once while there is work, and the loop sleeps only when a step
found nothing. A switched-off job idles instead of returning, because `/ready` reports a finished task as down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from gymloop_kit.job_metrics import job_runs
from gymloop_kit.logging import get_logger
from gymloop_kit.supervision import restart_delay

log = get_logger(__name__)

Step = Callable[[], Awaitable[int | None]]


async def run_periodically(
    name: str,
    step: Step,
    *,
    interval_s: float,
    drain: bool = False,
    backoff_base_s: float = 0.5,
    backoff_max_s: float = 30.0,
) -> None:
    """Run `step` every `interval_s` seconds until cancelled (with `drain`, back to back while it finds work)."""
    failures = 0
    while True:
        try:
            done = await step()
            failures = 0
            job_runs.labels(name, "ok").inc()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            failures += 1
            job_runs.labels(name, "failed").inc()
            retry_in = max(interval_s, restart_delay(failures, backoff_base_s, backoff_max_s))
            # the traceback too: a database blip reads the same every time, a bug does not
            log.warning("periodic_step_failed", job=name, error=repr(error), failures=failures,
                        retry_in_s=retry_in, exc_info=True)  # fmt: skip
            done = 0
        # A cancellation that arrived inside a database or network client can be swallowed there (seen on
        # shutdown: a task kept looping while "cancelling"); honour it here so the service always stops.
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError
        if drain and done:
            continue
        await asyncio.sleep(max(interval_s, restart_delay(failures, backoff_base_s, backoff_max_s)) if failures
                            else interval_s)  # fmt: skip


async def idle_forever() -> None:
    """What a switched-off job does: nothing, until the service stops."""
    await asyncio.Event().wait()
