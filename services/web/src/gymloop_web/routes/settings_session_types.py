"""Settings, session types (admins): the kinds of session with their default description, and a type's description
for one day (seed 001's daily programming, e.g. the workout of the day). Bookings keeps them; a session's own
description still wins over both."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import AdminSession, GatewayDep
from gymloop_web.gateway import ApiError, Gateway, items_of
from gymloop_web.reads import zone_of
from gymloop_web.rendering import render
from gymloop_web.session import WebSession

router = APIRouter()

TYPES_PATH = "/api/v1/bookings/session-types"
DONE = ("added", "day_set")


async def types_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    error: ApiError | None = None,
    failed: str | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    kinds = items_of(await gateway.call(session, "GET", TYPES_PATH))
    zone = await zone_of(gateway, session)
    return render(
        request, "settings_session_types.html", status_code,
        kinds=kinds, kind_options=[(kind["id"], kind["name"]) for kind in kinds],
        error=error, failed=failed, typed=typed or {}, done=done,
        today=datetime.now(UTC).astimezone(zone).date(),
    )  # fmt: skip


@router.get("/settings/session-types")
async def session_types(request: Request, session: AdminSession, gateway: GatewayDep, done: str = "") -> Response:
    return await types_page(request, session, gateway, done=done if done in DONE else None)


@router.post("/settings/session-types")
async def add_session_type(
    request: Request,
    session: AdminSession,
    gateway: GatewayDep,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    body = {"name": name, "description": description or None}
    try:
        await gateway.call(session, "POST", TYPES_PATH, json=body)
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        return await types_page(request, session, gateway, error, "new", body, error.status)
    return RedirectResponse("/settings/session-types?done=added", status_code=303)


@router.post("/settings/session-types/day")
async def set_day_description(
    request: Request,
    session: AdminSession,
    gateway: GatewayDep,
    session_type_id: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    """One type's description for one local day; the type and the day are part of bookings' address, so a bad one
    is told next to its control here."""
    typed = {"session_type_id": session_type_id, "day": day, "description": description}
    try:
        kind = uuid.UUID(session_type_id)
        await gateway.call(session, "PUT", f"{TYPES_PATH}/{kind}/days/{day}", json={"description": description})
    except ValueError:
        error = ApiError(422, "invalid", "", fields={"session_type_id": request.app.state.t("session_types.choose")})
        return await types_page(request, session, gateway, error, "day", typed, 422)
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        return await types_page(request, session, gateway, error, "day", typed, error.status)
    return RedirectResponse("/settings/session-types?done=day_set", status_code=303)
