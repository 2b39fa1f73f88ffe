"""Settings, notifications (admins, seed 000): every notification type on or off with its parameters, the daily
refresh time, "refresh now" with the refresh job's progress, and "delete all" behind a confirmation page. The
rules (ranges, what a type's parameters are) are notifications'; this page shows what its settings answer holds."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import AdminSession, GatewayDep
from gymloop_web.forms import settings_from_form
from gymloop_web.gateway import ApiError, Gateway
from gymloop_web.reads import zone_of
from gymloop_web.rendering import render
from gymloop_web.session import WebSession

router = APIRouter()

SETTINGS_PATH = "/api/v1/notifications/settings"


def changes_from(form: dict[str, str], current: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The form's fields ("absence.days") as notifications' settings, one section per notification type."""
    return {section: settings_from_form(form, parameters, f"{section}.") for section, parameters in current.items()}


async def settings_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    *,
    settings: dict[str, Any] | None = None,
    error: ApiError | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    current = settings or await gateway.call(session, "GET", SETTINGS_PATH)
    zone = await zone_of(gateway, session)
    for name in ("job", "saved", "deleted"):
        context.setdefault(name, None)
    return render(
        request, "settings_notifications.html", status_code, settings=current, zone=zone, error=error, **context
    )


@router.get("/settings/notifications")
async def notification_settings(
    request: Request, session: AdminSession, gateway: GatewayDep, saved: bool = False, deleted: int | None = None
) -> Response:
    return await settings_page(request, session, gateway, saved=saved, deleted=deleted)


@router.post("/settings/notifications")
async def save_notification_settings(
    request: Request,
    session: AdminSession,
    gateway: GatewayDep,
    refresh_at: Annotated[str, Form()] = "",
) -> Response:
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    current = await gateway.call(session, "GET", SETTINGS_PATH)
    changes = changes_from(form, current["notifications"])
    body = {"notifications": changes, "refresh_at": refresh_at or None}
    try:
        await gateway.call(session, "PATCH", SETTINGS_PATH, json=body)
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        # the values as typed, so the admin corrects the wrong one rather than types them all again
        typed = {**current, "refresh_at": refresh_at, "notifications": changes}
        return await settings_page(request, session, gateway, settings=typed, error=error, status_code=error.status)
    return RedirectResponse("/settings/notifications?saved=true", status_code=303)


@router.post("/settings/notifications/refresh")
async def refresh_now(request: Request, session: AdminSession, gateway: GatewayDep) -> Response:
    """Starts notifications' refresh job and shows it, its progress fragment asking again until it is done."""
    job = await gateway.call(session, "POST", "/api/v1/notifications/refresh")
    return await settings_page(request, session, gateway, job=job, status_code=202)


@router.get("/settings/notifications/refresh-jobs/{job_id}")
async def refresh_job(request: Request, job_id: uuid.UUID, session: AdminSession, gateway: GatewayDep) -> Response:
    """The job's progress as a fragment (htmx swaps it in place every second while it runs)."""
    job = await gateway.call(session, "GET", f"/api/v1/notifications/refresh-jobs/{job_id}")
    return render(request, "_refresh_job.html", job=job)


@router.get("/settings/notifications/delete")
async def confirm_delete(request: Request, session: AdminSession) -> Response:
    return render(request, "settings_notifications_delete.html", error=None)


@router.post("/settings/notifications/delete")
async def delete_open(
    request: Request, session: AdminSession, gateway: GatewayDep, confirm: Annotated[str, Form()] = ""
) -> Response:
    """Deletes every open notification, custom ones too: only with the confirmation page's box ticked."""
    try:
        answer = await gateway.call(
            session, "DELETE", "/api/v1/notifications/notifications", params={"confirm": confirm == "on"}
        )
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        return render(request, "settings_notifications_delete.html", error.status, error=error)
    return RedirectResponse(f"/settings/notifications?deleted={int(answer['deleted'])}", status_code=303)
