"""Weekly schedules per location (staff): create one with its slots, edit a slot, delete a schedule, generate the
coming weeks' sessions. Bookings keeps the rules; when a change concerns sessions people booked, bookings refuses
it until staff choose what happens to them, and this page shows that choice."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.gateway import ApiError, Gateway, items_of
from gymloop_web.reads import optional, zone_of
from gymloop_web.rendering import render
from gymloop_web.session import WebSession

router = APIRouter()

SCHEDULES_PAGE_SIZE = 20
STAFF_PAGE = 200  # members' largest page: the coach choice lists this many staff
NEW_SLOT_ROWS = 3  # the create form's slot rows; empty ones are left out
SLOT_FIELDS = ("weekday", "start_time", "duration_minutes", "session_type_id", "capacity", "coach_id")
BOOKED_CHOICES = ("keep", "move_and_notify", "cancel_and_refund")
# What the page reports after a change, from bookings' answer (ScheduleChangeOut).
CHANGE_COUNTS = ("followed", "removed", "moved", "kept", "cancelled", "replacements")


def _refused(error: ApiError) -> bool:
    """An error the page shows next to its fields (the others are the app's error pages)."""
    return error.status < 500 and error.status not in (401, 403)


async def schedules_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    offset: int = 0,
    error: ApiError | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    page, locations, kinds, employees, admins, zone = await asyncio.gather(
        gateway.call(
            session, "GET", "/api/v1/bookings/schedules", params={"limit": SCHEDULES_PAGE_SIZE, "offset": offset}
        ),
        optional(gateway, session, "/api/v1/bookings/locations"),
        optional(gateway, session, "/api/v1/bookings/session-types"),
        optional(gateway, session, "/api/v1/members/members", role="employee", status="active", limit=STAFF_PAGE),
        optional(gateway, session, "/api/v1/members/members", role="admin", status="active", limit=STAFF_PAGE),
        zone_of(gateway, session),
    )
    coaches = items_of(employees) + items_of(admins)
    for name in ("form", "typed_slot", "failed", "changed", "generated"):
        context.setdefault(name, None)
    return render(
        request,
        "schedules.html",
        status_code,
        schedules=items_of(page),
        total=int(page.get("total", 0)),
        offset=offset,
        page_size=SCHEDULES_PAGE_SIZE,
        location_names={loc["id"]: loc["name"] for loc in items_of(locations)},
        locations=items_of(locations),
        kinds=items_of(kinds),
        kind_names={kind["id"]: kind["name"] for kind in items_of(kinds)},
        coaches=coaches,
        coach_names={c["id"]: f"{c['first_name']} {c['last_name']}" for c in coaches},
        today=datetime.now(UTC).astimezone(zone).date(),
        new_slot_rows=NEW_SLOT_ROWS,
        booked_choices=BOOKED_CHOICES,
        change_counts=CHANGE_COUNTS,
        error=error,
        **context,
    )


@router.get("/schedules")
async def schedules(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
    generated: int | None = None,
    changed: bool = False,
) -> Response:
    """`generated` (sessions made) or `changed` with a count per kind of change: what the last action did."""
    shown = {name: request.query_params.get(name, "") for name in CHANGE_COUNTS}
    counts = {name: int(value) if value.isdigit() else 0 for name, value in shown.items()} if changed else None
    return await schedules_page(request, session, gateway, offset, generated=generated, changed=counts)


def slots_from(form: dict[str, str]) -> list[dict[str, Any]]:
    """The create form's slot rows (slots.0.weekday, ...) that have a start time; the values as typed, so bookings
    answers what is wrong with one next to its field (its loc is ["body", "slots", 0, "start_time"])."""
    slots = []
    for row in range(NEW_SLOT_ROWS):
        values: dict[str, Any] = {name: form.get(f"slots.{row}.{name}", "").strip() for name in SLOT_FIELDS}
        if values["start_time"]:
            slots.append({**values, "coach_id": values["coach_id"] or None})
    return slots


@router.post("/schedules")
async def create_schedule(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    location_id: Annotated[str, Form()] = "",
    valid_from: Annotated[str, Form()] = "",
    valid_until: Annotated[str, Form()] = "",
) -> Response:
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    body = {
        "location_id": location_id or None,
        "valid_from": valid_from or None,
        "valid_until": valid_until or None,
        "slots": slots_from(form),
    }
    try:
        await gateway.call(session, "POST", "/api/v1/bookings/schedules", json=body)
    except ApiError as error:
        if not _refused(error):
            raise
        return await schedules_page(request, session, gateway, 0, error, error.status, form=form, failed="create")
    return RedirectResponse("/schedules", status_code=303)


@router.post("/schedules/{schedule_id}/generate")
async def generate(
    request: Request,
    schedule_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    first_day: Annotated[str, Form()] = "",
    weeks: Annotated[str, Form()] = "4",
) -> Response:
    """Bookings makes the sessions not made yet (it is idempotent): the page says how many it made."""
    try:
        made = await gateway.call(
            session,
            "POST",
            f"/api/v1/bookings/schedules/{schedule_id}/generate",
            json={"first_day": first_day or None, "weeks": weeks or None},
        )
    except ApiError as error:
        if not _refused(error):
            raise
        return await schedules_page(request, session, gateway, 0, error, error.status, failed=str(schedule_id))
    return RedirectResponse(f"/schedules?generated={len(made)}", status_code=303)


@router.post("/schedules/{schedule_id}/slots/{slot_id}")
async def edit_slot(
    request: Request,
    schedule_id: uuid.UUID,
    slot_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    start_time: Annotated[str, Form()] = "",
    duration_minutes: Annotated[str, Form()] = "",
    capacity: Annotated[str, Form()] = "",
    coach_id: Annotated[str, Form()] = "",
    booked_sessions: Annotated[str, Form()] = "",
) -> Response:
    """Sends the slot as the form shows it; a 409 for booked sessions brings the page back asking for the choice."""
    body = {
        "start_time": start_time or None,
        "duration_minutes": duration_minutes or None,
        "capacity": capacity or None,
        "coach_id": coach_id or None,
        "booked_sessions": booked_sessions or None,
    }
    path = f"/api/v1/bookings/schedules/{schedule_id}/slots/{slot_id}"
    return await _change(request, session, gateway, "PATCH", path, str(slot_id), json=body, typed_slot=body)


@router.post("/schedules/{schedule_id}/delete")
async def delete_schedule(
    request: Request,
    schedule_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    booked_sessions: Annotated[str, Form()] = "",
) -> Response:
    path = f"/api/v1/bookings/schedules/{schedule_id}"
    params = {"booked_sessions": booked_sessions or None}
    return await _change(request, session, gateway, "DELETE", path, str(schedule_id), params=params)


async def _change(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    method: str,
    path: str,
    failed: str,
    *,
    json: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    typed_slot: dict[str, Any] | None = None,
) -> Response:
    """An edit or a delete; the page then shows what it did to the future sessions (bookings' answer). A refused
    slot edit comes back as typed (`typed_slot`), so staff only add the choice bookings asks for."""
    try:
        changed = await gateway.call(session, method, path, json=json, params=params)
    except ApiError as error:
        if not _refused(error):
            raise
        return await schedules_page(
            request, session, gateway, 0, error, error.status, failed=failed, typed_slot=typed_slot
        )
    counts = "&".join(f"{name}={len(changed.get(name) or [])}" for name in CHANGE_COUNTS)
    return RedirectResponse(f"/schedules?changed=true&{counts}", status_code=303)
