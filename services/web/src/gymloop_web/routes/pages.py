"""The members list with its search, and the studio settings (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from gymloop_web.deps import AdminSession, GatewayDep, StaffSession
from gymloop_web.gateway import ApiError, items_of
from gymloop_web.rendering import is_htmx, render

router = APIRouter()

MEMBERS_PAGE_SIZE = 25
STATUSES = ("active", "archived")


@router.get("/members")
async def members(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    q: str = "",
    status: str = "",
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Response:
    """The whole page, or only the results when htmx asks (the search box updates them as one types)."""
    params: dict[str, Any] = {"q": q.strip(), "status": status if status in STATUSES else None}
    error: ApiError | None = None
    page: dict[str, Any] = {"items": [], "total": 0, "limit": MEMBERS_PAGE_SIZE, "offset": offset}
    try:
        page = await gateway.call(
            session, "GET", "/api/v1/members/members", params={**params, "limit": MEMBERS_PAGE_SIZE, "offset": offset}
        )
    except ApiError as refused:
        if refused.status >= 500 or refused.status in (401, 403):
            raise
        error = refused
    items = items_of(page)
    total = int(page.get("total", len(items))) if isinstance(page, dict) else len(items)
    context: dict[str, Any] = {
        "q": q,
        "status": params["status"] or "",
        "members": items,
        "total": total,
        "offset": offset,
        "page_size": MEMBERS_PAGE_SIZE,
        "error": error,
    }
    template = (
        "_members_results.html"
        if is_htmx(request) and request.headers.get("hx-target") == "member-results"
        else "members.html"
    )
    return render(request, template, **context)


@router.get("/settings")
async def settings_page(request: Request, session: AdminSession, gateway: GatewayDep) -> Response:
    studio = await gateway.call(session, "GET", "/api/v1/members/studios/current")
    return render(request, "settings.html", studio=studio, error=None, saved=False)


@router.post("/settings")
async def save_settings(
    request: Request,
    session: AdminSession,
    gateway: GatewayDep,
    name: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
) -> Response:
    try:
        studio = await gateway.call(
            session, "PATCH", "/api/v1/members/studios/current", json={"name": name, "timezone": timezone}
        )
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        return render(
            request,
            "settings.html",
            error.status,
            studio={"name": name, "timezone": timezone},
            error=error,
            saved=False,
        )
    session.studio_name = studio["name"]
    for choice in session.studios:
        if choice.studio_id == session.studio_id:
            choice.studio_name = studio["name"]
    return render(request, "settings.html", studio=studio, error=None, saved=True)
