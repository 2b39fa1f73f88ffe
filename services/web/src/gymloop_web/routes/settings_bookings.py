"""Settings, booking rules (admins): the booking window, the cancellation cut-off and whether a late cancellation
costs the credit, the waitlist and check-in. Bookings keeps the rules and their bounds; the form shows each of its
settings (its name and time zone excepted: those are the studio's, set on the studio page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import AdminSession, GatewayDep
from gymloop_web.forms import settings_from_form
from gymloop_web.gateway import ApiError
from gymloop_web.rendering import render

router = APIRouter()

SETTINGS_PATH = "/api/v1/bookings/settings"
STUDIOS_OWN = ("studio_name", "time_zone")  # shown by bookings, set in members


def booking_rules(settings: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in settings.items() if name not in STUDIOS_OWN}


@router.get("/settings/bookings")
async def booking_settings(
    request: Request, session: AdminSession, gateway: GatewayDep, saved: bool = False
) -> Response:
    current = await gateway.call(session, "GET", SETTINGS_PATH)
    return render(request, "settings_bookings.html", rules=booking_rules(current), error=None, saved=saved)


@router.post("/settings/bookings")
async def save_booking_settings(request: Request, session: AdminSession, gateway: GatewayDep) -> Response:
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    rules = settings_from_form(form, booking_rules(await gateway.call(session, "GET", SETTINGS_PATH)))
    try:
        await gateway.call(session, "PUT", SETTINGS_PATH, json=rules)
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        return render(request, "settings_bookings.html", error.status, rules=rules, error=error, saved=False)
    return RedirectResponse("/settings/bookings?saved=true", status_code=303)
