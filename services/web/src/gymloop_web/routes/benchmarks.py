"""The studio's benchmark dashboard: one month's results per workout (bookings' benchmark dashboard)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.gateway import ApiError
from gymloop_web.rendering import render

router = APIRouter()

# Workouts with results in one month: a studio has a handful; the rest is one click further.
PAGE_SIZE = 50
_MONTH = re.compile(r"\d{4}-\d{2}")


@router.get("/benchmarks")
async def benchmarks(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    month: Annotated[str, Query(max_length=7)] = "",
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Response:
    """The month asked for (bookings says what is wrong with one it cannot read), this month without one."""
    params: dict[str, Any] = {"limit": PAGE_SIZE, "offset": offset}
    if month:
        params["month"] = month
    error: ApiError | None = None
    try:
        view = await gateway.call(session, "GET", "/api/v1/bookings/benchmark-dashboard", params=params)
    except ApiError as refused:
        if refused.status >= 500 or refused.status in (401, 403):
            raise
        error = refused
        view = {"items": [], "total": 0, "month": month if _MONTH.fullmatch(month) else ""}
    return render(request, "benchmarks.html", view=view, error=error, offset=offset, page_size=PAGE_SIZE)
