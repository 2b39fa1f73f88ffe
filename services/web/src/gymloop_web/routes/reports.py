"""Reports: the members report (the gateway's view: sorted, filtered, exported as CSV or XLSX), the sessions
with occupancy and no-shows, the occupancy by weekday, hour, location, session type or coach, and the revenue
with its trend (admins), each as a chart over a table of the same figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gymloop_web.deps import AdminSession, GatewayDep, StaffSession
from gymloop_web.display import parse_day
from gymloop_web.downloads import passed_on
from gymloop_web.gateway import ApiError, Gateway, items_of, total_of
from gymloop_web.messages import translator
from gymloop_web.reads import optional, shown_on_page, zone_of
from gymloop_web.rendering import render
from gymloop_web.report_charts import chart, occupancy_label
from gymloop_web.session import WebSession

router = APIRouter()

REPORT_PAGE_SIZE = 50
STAFF_PAGE = 200  # members' largest page: the coaches' names
SESSIONS_PAGE_SIZE = 100
MEMBER_SORTS = ("name", "plan", "status", "average_visits_per_week", "last_visit", "credits_left", "payment_state")
DIMENSIONS = ("weekday", "hour", "location", "session_type", "coach")
REVENUE_MONTHS = 6
Offset = Annotated[int, Query(ge=0, le=2_000_000_000)]
Span = Annotated[int, Query(ge=1, le=92)]


async def studio_today(gateway: Gateway, session: WebSession) -> date:
    return datetime.now(UTC).astimezone(await zone_of(gateway, session)).date()


def member_filters(status: str, tag: str, plan: str) -> dict[str, str]:
    return {"status": status if status in ("active", "archived") else "", "tag": tag.strip(), "plan": plan.strip()}


@router.get("/reports")
async def members_report(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    sort: str = "name",
    status: str = "",
    tag: str = "",
    plan: str = "",
    offset: Offset = 0,
) -> Response:
    """Sorted by one column (a header link; `-` first for descending), filtered by status, tag and plan."""
    filters = member_filters(status, tag, plan)
    wanted = sort if sort.removeprefix("-") in MEMBER_SORTS else "name"
    report, tags = await asyncio.gather(
        gateway.call(
            session,
            "GET",
            "/api/v1/views/members-report",
            params={**filters, "sort": wanted, "limit": REPORT_PAGE_SIZE, "offset": offset},
        ),
        optional(gateway, session, "/api/v1/members/tags"),
    )
    return render(
        request,
        "reports_members.html",
        rows=items_of(report),
        total=total_of(report),
        unavailable=sorted(report.get("unavailable") or {}),
        sort=wanted,
        sorts=MEMBER_SORTS,
        filters=filters,
        tag_options=[(t["name"], t["name"]) for t in items_of(tags)],
        offset=offset,
        page_size=REPORT_PAGE_SIZE,
    )


@router.get("/reports/members.{extension}")
async def members_export(
    session: StaffSession,
    gateway: GatewayDep,
    extension: Literal["csv", "xlsx"],
    sort: str = "name",
    status: str = "",
    tag: str = "",
    plan: str = "",
) -> Response:
    """Every row that matches, in the page's order, as the gateway writes it."""
    wanted = sort if sort.removeprefix("-") in MEMBER_SORTS else "name"
    params = {**member_filters(status, tag, plan), "sort": wanted, "format": extension}
    return passed_on(await gateway.download(session, "/api/v1/views/members-report", params))


async def names_for(gateway: Gateway, session: WebSession) -> dict[str, dict[str, str]]:
    """Locations', session types' and coaches' names by id: the bookings reports give ids."""
    locations, types, employees, admins = await asyncio.gather(
        optional(gateway, session, "/api/v1/bookings/locations"),
        optional(gateway, session, "/api/v1/bookings/session-types"),
        optional(gateway, session, "/api/v1/members/members", role="employee", limit=STAFF_PAGE),
        optional(gateway, session, "/api/v1/members/members", role="admin", limit=STAFF_PAGE),
    )
    return {
        "location": {str(item["id"]): item["name"] for item in items_of(locations)},
        "session_type": {str(item["id"]): item["name"] for item in items_of(types)},
        "coach": {str(p["id"]): f"{p['first_name']} {p['last_name']}" for p in items_of(employees) + items_of(admins)},
    }


async def report_read(
    gateway: Gateway, session: WebSession, path: str, params: dict[str, Any], empty: Any
) -> tuple[Any, ApiError | None]:
    """A report for the period the form asks; a period the API refuses comes back with `empty` and its error."""
    try:
        return await gateway.call(session, "GET", path, params=params), None
    except ApiError as refused:
        if not shown_on_page(refused):
            raise
        return empty, refused


@router.get("/reports/sessions")
async def sessions_report(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    first_day: str = "",
    days: Span = 7,
    offset: Offset = 0,
) -> Response:
    """Each session of the period by start: places taken of its capacity, no-shows and late cancellations."""
    today = await studio_today(gateway, session)
    start = parse_day(first_day, today - timedelta(days=days - 1))
    names = await names_for(gateway, session)
    params = {"first_day": start.isoformat(), "days": days, "limit": SESSIONS_PAGE_SIZE, "offset": offset}
    report, error = await report_read(gateway, session, "/api/v1/bookings/reports/sessions", params, {})
    rows = items_of(report)
    t = translator(request.app.state.settings.web_language)
    taken = [r for r in rows if not r.get("cancelled")]
    picture = chart(
        "bar",
        t("reports.occupancy_pct"),
        [f"{r['local_start'][5:10]} {r['local_start'][11:16]}" for r in taken],
        [round(100 * float(r["occupancy"]), 1) for r in taken],
        "%",
    )
    return render(
        request,
        "reports_sessions.html",
        rows=rows,
        total=total_of(report),
        names=names,
        first_day=start.isoformat(),
        days=days,
        offset=offset,
        page_size=SESSIONS_PAGE_SIZE,
        chart=picture,
        error=error,
    )


@router.get("/reports/occupancy")
async def occupancy_report(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    by: str = "weekday",
    first_day: str = "",
    days: Span = 28,
) -> Response:
    """Average occupancy of the period's sessions, grouped by one dimension."""
    dimension = by if by in DIMENSIONS else "weekday"
    today = await studio_today(gateway, session)
    start = parse_day(first_day, today - timedelta(days=days - 1))
    names = await names_for(gateway, session)
    params = {"first_day": start.isoformat(), "days": days, "by": dimension}
    rows, error = await report_read(gateway, session, "/api/v1/bookings/reports/occupancy", params, [])
    t = translator(request.app.state.settings.web_language)
    labelled = [{**r, "label": occupancy_label(str(r["key"]), dimension, names.get(dimension, {}), t)} for r in rows]
    picture = chart(
        "bar",
        t("reports.occupancy_pct"),
        [r["label"] for r in labelled],
        [round(100 * float(r["occupancy"]), 1) for r in labelled],
        "%",
    )
    return render(
        request,
        "reports_occupancy.html",
        rows=labelled,
        by=dimension,
        dimensions=DIMENSIONS,
        first_day=start.isoformat(),
        days=days,
        chart=picture,
        error=error,
    )


def month_of(value: str, fallback: date) -> str:
    """YYYY-MM as typed, or the fallback's month; the API reads other spellings too and says what is wrong."""
    return value.strip() or fallback.strftime("%Y-%m")


@router.get("/reports/revenue")
async def revenue_report(
    request: Request,
    session: AdminSession,
    gateway: GatewayDep,
    first_month: str = "",
    last_month: str = "",
) -> Response:
    """Per month: the revenue per plan and product and its change against the month before."""
    today = await studio_today(gateway, session)
    back = date(today.year, today.month, 1)
    for _ in range(REVENUE_MONTHS - 1):
        back = (back - timedelta(days=1)).replace(day=1)
    first, last = month_of(first_month, back), month_of(last_month, today)
    params = {"first_month": first, "last_month": last}
    months, error = await report_read(gateway, session, "/api/v1/billing/reports/revenue", params, [])
    t = translator(request.app.state.settings.web_language)
    picture = chart(
        "line",
        t("reports.revenue_total"),
        [str(m["month"])[:7] for m in months],
        [m["total"]["current_cents"] / 100 for m in months],
    )
    return render(
        request, "reports_revenue.html", months=months, first_month=first, last_month=last, chart=picture, error=error
    )
