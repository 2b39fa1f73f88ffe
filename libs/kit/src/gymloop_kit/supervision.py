"""Supervised background tasks: a task that fails restarts with backoff, and its state is known.

Every background task of a service (the outbox relay, the event consumer, each periodic job) runs under one
`Supervisor`. A task that raises an unexpected error, or returns without being asked to stop, is logged with
its traceback and started again after an exponential backoff (reset once a run lasted `stable_s`). A task is
*down* while it is crash-looping (from its first failure until a run lasts `stable_s`) or while it reports
itself down through its `Liveness` (e.g. the consumer when the broker does not answer). `/health` turns 503
when a core task has been down longer than the configured limit, so an orchestrator restarts the process;
`/ready` shows every task's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from gymloop_kit.job_metrics import task_failures
from gymloop_kit.logging import get_logger

log = get_logger(__name__)


class Liveness:
    """What a task reports about itself: up, or down since when and why (read by /health and /ready)."""

    def __init__(self) -> None:
        self.down_since: float | None = None  # time.monotonic()
        self.reason: str | None = None

    def up(self) -> None:
        self.down_since, self.reason = None, None

    def down(self, reason: str) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
        self.reason = reason


class TaskReturned(Exception):
    """A background task returned although nobody asked it to stop."""


def restart_delay(failures: int, base_s: float, max_s: float) -> float:
    return float(min(max_s, base_s * 2 ** max(0, failures - 1)))


@dataclass
class SupervisedTask:
    name: str
    run: Callable[[], Awaitable[None]]
    stop: Callable[[], None] | None
    liveness: Liveness
    core: bool
    service: str
    backoff_base_s: float
    backoff_max_s: float
    stable_s: float
    restarts: int = 0
    last_error: str | None = None
    running: bool = False
    started_at: float = 0.0
    crashed_since: float | None = None
    task: asyncio.Task[None] | None = None
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def down_since(self) -> float | None:
        """Since when the task is down (monotonic), or None while it is up."""
        crashed = self.crashed_since
        if crashed is not None and self.running and time.monotonic() - self.started_at >= self.stable_s:
            crashed = None  # it has run long enough since its last restart
        moments = [moment for moment in (crashed, self.liveness.down_since) if moment is not None]
        return min(moments) if moments else None

    @property
    def reason(self) -> str | None:
        if self.liveness.down_since is not None:
            return self.liveness.reason
        return self.last_error if self.down_since is not None else None

    def down_for(self) -> float:
        since = self.down_since
        return 0.0 if since is None else time.monotonic() - since

    async def supervise(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            self.running, self.started_at = True, time.monotonic()
            try:
                await self.run()
                if self._stopping.is_set():
                    return
                raise TaskReturned(f"{self.name} returned without being stopped")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self._stopping.is_set():
                    return
                ran_for = time.monotonic() - self.started_at
                if ran_for >= self.stable_s or self.crashed_since is None:
                    failures, self.crashed_since = 0, time.monotonic()
                failures += 1
                self.restarts += 1
                task_failures.labels(self.service, self.name).inc()
                self.last_error = repr(error)[:500]
                delay = restart_delay(failures, self.backoff_base_s, self.backoff_max_s)
                # the traceback too: a broker blip reads the same every time, a bug does not
                log.error("task_failed", task=self.name, error=self.last_error, ran_for_s=round(ran_for, 3),
                          restart_in_s=delay, restarts=self.restarts, exc_info=True)  # fmt: skip
            finally:
                self.running = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)
            if not self._stopping.is_set():
                log.info("task_restarting", task=self.name, restarts=self.restarts)


class Supervisor:
    """Starts, restarts and stops a service's background tasks."""

    def __init__(
        self, *, service: str = "", backoff_base_s: float = 0.5, backoff_max_s: float = 30.0, stable_s: float = 30.0
    ) -> None:
        self.service = service  # labels the task metrics
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.stable_s = stable_s
        self.tasks: dict[str, SupervisedTask] = {}

    def start(
        self,
        name: str,
        run: Callable[[], Awaitable[None]],
        *,
        stop: Callable[[], None] | None = None,
        liveness: Liveness | None = None,
        core: bool = True,
    ) -> SupervisedTask:
        """Run `run()` under supervision. `stop` asks it to finish (else it is cancelled when the service stops)."""
        if name in self.tasks:
            raise ValueError(f"a task named {name!r} is already supervised")
        supervised = SupervisedTask(
            name,
            run,
            stop,
            liveness or Liveness(),
            core,
            self.service,
            self.backoff_base_s,
            self.backoff_max_s,
            self.stable_s,
        )
        supervised.task = asyncio.create_task(supervised.supervise(), name=name)
        self.tasks[name] = supervised
        return supervised

    def down_longer_than(self, limit_s: float) -> list[SupervisedTask]:
        return [task for task in self.tasks.values() if task.core and task.down_since is not None
                and task.down_for() > limit_s]  # fmt: skip

    async def stop(self, timeout_s: float = 15.0) -> None:
        """Ask every task to stop, wait for them (up to `timeout_s`), cancel what is left."""
        for supervised in self.tasks.values():
            supervised._stopping.set()
            if supervised.stop is not None:
                supervised.stop()
            elif supervised.task is not None:
                supervised.task.cancel()
        running = [supervised.task for supervised in self.tasks.values() if supervised.task is not None]
        if not running:
            return
        _, pending = await asyncio.wait(running, timeout=timeout_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
