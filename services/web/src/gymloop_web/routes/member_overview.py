"""A member's overview page (the gateway's overview view) and its actions: add a note, sign up for a session."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.gateway import ApiError, Gateway, items_of
from gymloop_web.messages import translator
from gymloop_web.reads import optional, zone_of
from gymloop_web.rendering import render
from gymloop_web.session import WebSession

router = APIRouter()

HISTORY_PAGE_SIZE = 10
SIGN_UP_DAYS = 14  # the sessions offered for a sign-up: the coming two weeks


async def overview_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    member_id: uuid.UUID,
    history_offset: int,
    error: ApiError | None = None,
    status_code: int = 200,
    note: str = "",
) -> Response:
    overview, zone = await asyncio.gather(
        gateway.call(
            session,
            "GET",
            f"/api/views/members/{member_id}/overview",
            params={"history_limit": HISTORY_PAGE_SIZE, "history_offset": history_offset},
        ),
        zone_of(gateway, session),
    )
    today = datetime.now(UTC).astimezone(zone).date()
    agenda = await optional(gateway, session, "/api/bookings/agenda", day=today.isoformat(), days=SIGN_UP_DAYS)
    booked = (
        {b.get("session_id") for b in overview["upcoming"]} if isinstance(overview.get("upcoming"), list) else set()
    )
    offered = [
        s for day in items_of(agenda) for s in day.get("sessions", [])
        if s.get("status") == "scheduled" and s.get("id") not in booked
    ]  # fmt: skip
    return render(
        request,
        "member.html",
        status_code,
        o=overview,
        zone=zone,
        offered=offered,
        history_offset=history_offset,
        history_page=HISTORY_PAGE_SIZE,
        error=error,
        note=note,
    )


@router.get("/members/{member_id}")
async def member_overview(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    history_offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Response:
    return await overview_page(request, session, gateway, member_id, history_offset)


@router.post("/members/{member_id}/notes")
async def add_note(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    body: Annotated[str, Form()] = "",
) -> Response:
    try:
        await gateway.call(session, "POST", f"/api/members/members/{member_id}/notes", json={"body": body})
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403, 404):
            raise
        return await overview_page(request, session, gateway, member_id, 0, error, error.status, note=body)
    return RedirectResponse(f"/members/{member_id}#notes", status_code=303)


@router.post("/members/{member_id}/bookings")
async def sign_up(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    session_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        target = uuid.UUID(session_id)
        await gateway.call(
            session, "POST", f"/api/bookings/sessions/{target}/bookings", json={"member_id": str(member_id)}
        )
    except ValueError:  # no session chosen: the page asks for one next to the control
        t = translator(request.app.state.settings.web_language)
        error = ApiError(422, "invalid", "", fields={"session_id": t("overview.choose_session")})
        return await overview_page(request, session, gateway, member_id, 0, error, 422)
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        return await overview_page(request, session, gateway, member_id, 0, error, error.status)
    return RedirectResponse(f"/members/{member_id}#upcoming", status_code=303)
