"""The employee dashboard: my open notifications with the member's name, today's sessions I coach with their
occupancy, and the members I am responsible for who are at risk (attendance, payment and credit signals)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from gymloop_kit.auth import Principal
from gymloop_kit.errors import Forbidden
from gymloop_kit.studio_clock import UnknownTimeZone, default_zone, local_day, parse_time_zone

from gymloop_gateway.views.access import Caller, edge_of
from gymloop_gateway.views.all_pages import every_item, items_for_ids
from gymloop_gateway.views.at_risk import RiskRules, at_risk_members, display_name
from gymloop_gateway.views.fanout import Part, ServiceCall, gather_parts
from gymloop_gateway.views.staff_schemas import Dashboard

router = APIRouter(tags=["views"])

MEMBERS_PAGE = 200  # members' largest page
IDS_PER_CALL = 100  # member ids per bulk read: the request line stays far below servers' limits


def staff_id(principal: Principal) -> uuid.UUID:
    """Employees are people in the members service too: their member id is their employee id (as notifications
    and the coach of a session use it)."""
    return principal.member_id or principal.account_id


def studio_today(settings: Part, now: datetime) -> date:
    """The studio's local day, from bookings' settings (its time zone followed from members); the platform's
    default zone while bookings does not answer."""
    zone_name = settings.body.get("time_zone") if settings.ok and isinstance(settings.body, dict) else None
    try:
        zone = parse_time_zone(zone_name)
    except UnknownTimeZone:
        zone = default_zone()
    return local_day(now, zone)


def occupancy(session: dict[str, Any]) -> dict[str, Any]:
    booked, capacity = session.get("booked") or 0, session.get("capacity") or 0
    fields = ("id", "name", "starts_at", "ends_at", "location_id", "status", "capacity", "booked", "free_places")
    return {
        **{f: session.get(f) for f in fields},
        "waiting": session.get("waiting") or 0,
        "occupancy": round(booked / capacity, 2) if capacity else 0.0,
    }


@router.get(
    "/dashboard",
    summary="The employee dashboard: my notifications, today's sessions I coach, my members at risk",
    response_model=Dashboard,
    responses={401: {}, 403: {}},
)
async def employee_dashboard(request: Request, principal: Caller) -> dict[str, Any]:
    """Staff only. Three parts, each from its own service; a part whose service is down is `{"unavailable": true,
    ...}` and the rest still answers. `notifications`: my open notifications (seed 000), each with the member's
    name. `sessions_today`: the sessions I coach on the studio's today, with booked places, capacity, occupancy
    and waitlist. `at_risk`: the members I am responsible for with every reason they are at risk: absent for the
    studio's absence days, a downward trend as the studio's notification settings define it, payment overdue,
    credits running out (2 or fewer left, or lapsing within 7 days); `signals_unavailable` names a signal's service
    that did not answer."""
    if not principal.is_staff:
        raise Forbidden("the dashboard is for staff", code="role_required")
    edge = edge_of(request)
    me = str(staff_id(principal))
    my_members = ServiceCall("members", "/members", {"responsible_employee_id": me, "status": "active"})
    (people, people_failure), first = await asyncio.gather(
        every_item(edge, request, my_members, MEMBERS_PAGE),
        gather_parts(
            edge,
            request,
            {
                "notifications": ServiceCall("notifications", "/dashboard"),
                "rules": ServiceCall("notifications", "/settings"),
                "booking_settings": ServiceCall("bookings", "/settings"),
            },
        ),
    )
    today = studio_today(first["booking_settings"], datetime.now(UTC))
    rules = RiskRules.from_notification_settings(first["rules"].body if first["rules"].ok else None)
    ids = [str(p.get("id")) for p in people]
    summaries = ServiceCall("bookings", "/attendance-summaries", {"period_days": rules.trend_days})
    (attendance, attendance_failure), (billing, billing_failure), sessions = await asyncio.gather(
        items_for_ids(edge, request, summaries, ids, IDS_PER_CALL),
        items_for_ids(edge, request, ServiceCall("billing", "/member-billing"), ids, IDS_PER_CALL),
        gather_parts(
            edge,
            request,
            {"agenda": ServiceCall("bookings", "/agenda", {"day": today.isoformat(), "days": 1, "coach_id": me})},
        ),
    )
    names = {str(p.get("id")): display_name(p) for p in people}
    notifications = first["notifications"]
    return {
        "employee_id": me,
        "today": today.isoformat(),
        "notifications": notifications.or_unavailable(
            [{**n, "member_name": names.get(str(n.get("member_id")))} for n in notifications.items]
        ),
        "sessions_today": sessions["agenda"].or_unavailable(
            [occupancy(s) for day in sessions["agenda"].items for s in day.get("sessions", [])]
        ),
        "at_risk": at_risk_part(
            people, people_failure, attendance, attendance_failure, billing, billing_failure, today, rules
        ),
    }


def at_risk_part(
    people: list[Any],
    people_failure: Part | None,
    attendance: list[Any],
    attendance_failure: Part | None,
    billing: list[Any],
    billing_failure: Part | None,
    today: date,
    rules: RiskRules,
) -> dict[str, Any]:
    if people_failure is not None:
        return people_failure.unavailable()  # without my members there is no list to judge
    by_member = {str(a.get("member_id")): a for a in attendance} if attendance_failure is None else None
    billing_by_member = {str(b.get("member_id")): b for b in billing} if billing_failure is None else None
    return {
        "members": at_risk_members(people, by_member, billing_by_member, today, rules),
        "rules": {
            "absence_days": rules.absence_days,
            "trend_percent": rules.trend_percent,
            "trend_days": rules.trend_days,
            "credits_low": rules.credits_low,
            "credits_lapse_days": rules.credits_lapse_days,
        },
        "signals_unavailable": [f.unavailable() for f in (attendance_failure, billing_failure) if f is not None],
    }
