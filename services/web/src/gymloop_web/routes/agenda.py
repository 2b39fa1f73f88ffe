"""The agenda (a day or a week, per location and coach) and a session's page: its attendance list, check-in,
signing a member up and out. Everything through bookings' routes behind the gateway."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.display import local_date, parse_day, week_start
from gymloop_web.gateway import ApiError, Gateway, items_of
from gymloop_web.messages import translator
from gymloop_web.reads import optional, zone_of
from gymloop_web.rendering import render
from gymloop_web.session import WebSession

router = APIRouter()

MEMBERS_PAGE = 200  # members' largest page: the sign-up choice lists this many active members
NOTICES = ("signed_up", "waitlisted", "signed_out", "checked_in", "present", "left_waitlist")
WAITLIST_PAGE = 50  # the session page lists this many of those waiting, and counts the rest


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


@router.get("/agenda")
async def agenda(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    day: str = "",
    view: str = "day",
    location_id: str = "",
    coach_id: str = "",
) -> Response:
    zone = await zone_of(gateway, session)
    first = parse_day(day, datetime.now(UTC).astimezone(zone).date())
    week = view == "week"
    location, coach = _uuid_or_none(location_id), _uuid_or_none(coach_id)
    params: dict[str, Any] = {
        "day": first.isoformat(),
        "days": 1,
        "week": week,
        "location_id": location,
        "coach_id": coach,
    }
    days, locations, employees, admins = await asyncio.gather(
        gateway.call(session, "GET", "/api/v1/bookings/agenda", params=params),
        optional(gateway, session, "/api/v1/bookings/locations"),
        # the coach filter offers the studio's staff: employees and admins (admins coach too)
        optional(gateway, session, "/api/v1/members/members", role="employee", status="active", limit=MEMBERS_PAGE),
        optional(gateway, session, "/api/v1/members/members", role="admin", status="active", limit=MEMBERS_PAGE),
    )
    step = timedelta(days=7 if week else 1)
    shown = week_start(first) if week else first
    return render(
        request,
        "agenda.html",
        days=items_of(days),
        zone=zone,
        day=shown,
        previous=(shown - step).isoformat(),
        next=(shown + step).isoformat(),
        view="week" if week else "day",
        locations=items_of(locations),
        coaches=items_of(employees) + items_of(admins),
        location_id=location or "",
        coach_id=coach or "",
    )


async def session_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    session_id: uuid.UUID,
    error: ApiError | None,
    status_code: int,
) -> Response:
    zone = await zone_of(gateway, session)
    details, attendance, members, waitlist = await asyncio.gather(
        gateway.call(session, "GET", f"/api/v1/bookings/sessions/{session_id}"),
        gateway.call(session, "GET", f"/api/v1/bookings/sessions/{session_id}/attendance"),
        optional(gateway, session, "/api/v1/members/members", status="active", limit=MEMBERS_PAGE),
        optional(gateway, session, f"/api/v1/bookings/sessions/{session_id}/waitlist", limit=WAITLIST_PAGE),
    )
    day = local_date(details["starts_at"], zone)
    # the agenda entry names the session and its coach
    agenda = await optional(
        gateway, session, "/api/v1/bookings/agenda", day=day.isoformat() if day else None, days=1,
        location_id=details["location_id"],
    )  # fmt: skip
    entry: dict[str, Any] = next(
        (s for d in items_of(agenda) for s in d.get("sessions", []) if s.get("id") == str(session_id)), {}
    )
    notice = await _notice(request, session, gateway)
    waiting = items_of(waitlist)
    on_list = {line["booking"]["member_id"] for line in items_of(attendance)} | {w["member_id"] for w in waiting}
    return render(
        request,
        "session.html",
        status_code,
        s={**details, **entry},
        zone=zone,
        lines=items_of(attendance),
        waiting=waiting,
        waiting_total=int(waitlist.get("total", len(waiting))) if isinstance(waitlist, dict) else None,
        members=[m for m in items_of(members) if m.get("id") not in on_list and m.get("is_member", True)],
        error=error,
        notice=notice,
    )


async def _notice(request: Request, session: WebSession, gateway: Gateway) -> dict[str, Any] | None:
    """After an action (?done=signed_up&member_id=...): what it did, with the member's credits after a sign-up."""
    done, member_id = request.query_params.get("done"), _uuid_or_none(request.query_params.get("member_id", ""))
    if done not in NOTICES or member_id is None:
        return None
    member = await optional(gateway, session, f"/api/v1/members/members/{member_id}")
    account = (
        await optional(gateway, session, f"/api/v1/bookings/members/{member_id}/account")
        if done == "signed_up"
        else None
    )
    person = member if isinstance(member, dict) else {}
    name = " ".join(part for part in (person.get("first_name"), person.get("last_name")) if part)
    return {"kind": done, "name": name, "account": account}


@router.get("/sessions/{session_id}")
async def session_detail(
    request: Request, session_id: uuid.UUID, session: StaffSession, gateway: GatewayDep
) -> Response:
    return await session_page(request, session, gateway, session_id, None, 200)


async def _act(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    session_id: uuid.UUID,
    member_id: str,
    method: str,
    path: str,
    json: Callable[[str], dict[str, str]] | None,
    done: str,
) -> Response:
    member = _uuid_or_none(member_id)
    if member is None:
        error = ApiError(
            422,
            "invalid",
            "",
            fields={"member_id": translator(request.app.state.settings.web_language)("session.choose_member")},
        )
        return await session_page(request, session, gateway, session_id, error, 422)
    try:
        answer = await gateway.call(session, method, path.format(member=member), json=json(member) if json else None)
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        return await session_page(request, session, gateway, session_id, error, error.status)
    if isinstance(answer, dict) and answer.get("outcome") == "waitlisted":
        done = "waitlisted"
    return RedirectResponse(f"/sessions/{session_id}?done={done}&member_id={member}", status_code=303)


@router.post("/sessions/{session_id}/bookings")
async def sign_up(
    request: Request,
    session_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    member_id: Annotated[str, Form()] = "",
) -> Response:
    return await _act(
        request, session, gateway, session_id, member_id, "POST",
        f"/api/v1/bookings/sessions/{session_id}/bookings", lambda m: {"member_id": m}, "signed_up",
    )  # fmt: skip


@router.post("/sessions/{session_id}/sign-out")
async def sign_out(
    request: Request,
    session_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    member_id: Annotated[str, Form()] = "",
) -> Response:
    return await _act(
        request, session, gateway, session_id, member_id, "DELETE",
        f"/api/v1/bookings/sessions/{session_id}/bookings/{{member}}", None, "signed_out",
    )  # fmt: skip


@router.post("/sessions/{session_id}/waitlist/leave")
async def take_off_waitlist(
    request: Request,
    session_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    member_id: Annotated[str, Form()] = "",
) -> Response:
    return await _act(
        request, session, gateway, session_id, member_id, "DELETE",
        f"/api/v1/bookings/sessions/{session_id}/waitlist/{{member}}", None, "left_waitlist",
    )  # fmt: skip


@router.post("/sessions/{session_id}/check-in")
async def check_in(
    request: Request,
    session_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    member_id: Annotated[str, Form()] = "",
) -> Response:
    return await _act(
        request, session, gateway, session_id, member_id, "POST",
        f"/api/v1/bookings/sessions/{session_id}/check-in", lambda m: {"member_id": m}, "checked_in",
    )  # fmt: skip


@router.post("/sessions/{session_id}/present")
async def toggle_present(
    request: Request,
    session_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    member_id: Annotated[str, Form()] = "",
) -> Response:
    """Seed 002's "Present" button: a mark on the list only, attendance stays what check-in says."""
    return await _act(
        request, session, gateway, session_id, member_id, "POST",
        f"/api/v1/bookings/sessions/{session_id}/present", lambda m: {"member_id": m}, "present",
    )  # fmt: skip


@router.post("/sessions/{session_id}/cancel")
async def cancel_session(
    request: Request,
    session_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Cancels the session: bookings gives the members booked their credits back and tells them."""
    try:
        await gateway.call(
            session, "POST", f"/api/v1/bookings/sessions/{session_id}/cancel", json={"reason": reason or None}
        )
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        return await session_page(request, session, gateway, session_id, error, error.status)
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)
