"""Liveness (/health: the process answers) and readiness (/ready: database and broker reachable)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["operations"])


async def _check(name: str, probe: Any, timeout: float = 2.0) -> tuple[str, dict[str, str]]:
    try:
        await asyncio.wait_for(probe(), timeout=timeout)
        return name, {"status": "ok"}
    except Exception as error:
        return name, {"status": "down", "error": repr(error)[:300]}


@router.get("/health", summary="Liveness: the process is up")
async def health(request: Request) -> dict[str, str]:
    return {"status": "ok", "service": request.app.state.runtime.settings.service_name}


@router.get("/ready", summary="Readiness: the database and the broker answer", responses={503: {}})
async def ready(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    checks = dict(
        await asyncio.gather(_check("database", runtime.database.ping), _check("broker", runtime.ping_broker))
    )
    for name, task in runtime.tasks.items():
        checks[name] = {"status": "down", "error": "task stopped"} if task.done() else {"status": "ok"}
    ok = all(check["status"] == "ok" for check in checks.values())
    body = {
        "status": "ready" if ok else "not_ready",
        "service": runtime.settings.service_name,
        "checks": checks,
    }
    return JSONResponse(body, status_code=200 if ok else 503)
