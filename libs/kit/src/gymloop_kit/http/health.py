"""Liveness (/health) and readiness (/ready).

/health is 200 while the process does its work and 503 once a core background task (relay, consumer, jobs)
has been down longer than `task_down_limit_s`: crash-looping, or reporting itself down (e.g. the broker does
not answer), so an orchestrator restarts the process. /ready says whether the database, the broker and every
background task are up right now. Both only read state held in memory or probe; neither writes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gymloop_kit.supervision import SupervisedTask

router = APIRouter(tags=["operations"])


async def _check(name: str, probe: Any, timeout: float = 2.0) -> tuple[str, dict[str, Any]]:
    try:
        await asyncio.wait_for(probe(), timeout=timeout)
        return name, {"status": "ok"}
    except Exception as error:
        return name, {"status": "down", "error": repr(error)[:300]}


def _task_state(task: SupervisedTask) -> dict[str, Any]:
    state: dict[str, Any] = {"status": "ok" if task.down_since is None else "down", "restarts": task.restarts}
    if task.down_since is not None:
        state["down_for_s"] = round(task.down_for(), 1)
        state["error"] = task.reason
    return state


@router.get("/health", summary="Liveness: the process is up and its core tasks are not down for long",
            responses={503: {}})  # fmt: skip
async def health(request: Request) -> JSONResponse:
    """200 `{"status": "ok"}` while the process works; 503 `failing`, with the tasks down and for how long,
    once a core background task has been down longer than the limit (an orchestrator restarts the process)."""
    runtime = request.app.state.runtime
    limit = runtime.settings.task_down_limit_s
    down = runtime.supervisor.down_longer_than(limit)
    body: dict[str, Any] = {"status": "ok" if not down else "failing", "service": runtime.settings.service_name}
    if down:
        body["tasks_down"] = {task.name: _task_state(task) for task in down}
        body["limit_s"] = limit
    return JSONResponse(body, status_code=503 if down else 200)


@router.get("/ready", summary="Readiness: the database, the broker and the background tasks answer",
            responses={503: {}})  # fmt: skip
async def ready(request: Request) -> JSONResponse:
    """200 when the database, the broker and every background task are up right now, 503 otherwise;
    `checks` gives each one's state (and its error when it is down)."""
    runtime = request.app.state.runtime
    checks = dict(
        await asyncio.gather(_check("database", runtime.database.ping), _check("broker", runtime.ping_broker))
    )
    for name, task in runtime.supervisor.tasks.items():
        checks[name] = _task_state(task)
    ok = all(check["status"] == "ok" for check in checks.values())
    body = {
        "status": "ready" if ok else "not_ready",
        "service": runtime.settings.service_name,
        "checks": checks,
    }
    return JSONResponse(body, status_code=200 if ok else 503)
