"""The employee dashboard (the gateway's dashboard view) and the notification actions it offers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.display import safe_back
from gymloop_web.reads import zone_of
from gymloop_web.rendering import render

router = APIRouter()


@router.get("/")
async def dashboard(request: Request, session: StaffSession, gateway: GatewayDep) -> Response:
    view, active, zone = await asyncio.gather(
        gateway.call(session, "GET", "/api/v1/views/dashboard"),
        gateway.call(session, "GET", "/api/v1/members/members", params={"status": "active", "limit": 1}),
        zone_of(gateway, session),
    )
    return render(request, "dashboard.html", view=view, active_members=active.get("total", 0), zone=zone)


@router.post("/notifications/{notification_id}/done")
async def mark_done(
    notification_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    back: Annotated[str, Form()] = "/",
) -> Response:
    await gateway.call(session, "POST", f"/api/v1/notifications/notifications/{notification_id}/done")
    return RedirectResponse(safe_back(back), status_code=303)


@router.post("/notifications/{notification_id}/snooze")
async def snooze(
    notification_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    until: Annotated[date, Form()],
    back: Annotated[str, Form()] = "/",
) -> Response:
    await gateway.call(
        session,
        "POST",
        f"/api/v1/notifications/notifications/{notification_id}/snooze",
        json={"until": until.isoformat()},
    )
    return RedirectResponse(safe_back(back), status_code=303)
