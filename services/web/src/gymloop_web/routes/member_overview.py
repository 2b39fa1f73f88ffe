"""A member's overview page (the gateway's overview view) and its first actions: add a note, sign up for a
session. The other actions (billing, profile, files) are in member_billing and member_profile; they answer with
`act_on_member`, so an error the API gives shows on this page next to the control it concerns."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.display import money
from gymloop_web.gateway import ApiError, Gateway, items_of
from gymloop_web.messages import translator
from gymloop_web.reads import optional, zone_of
from gymloop_web.rendering import render
from gymloop_web.session import WebSession

router = APIRouter()

HISTORY_PAGE_SIZE = 10
STAFF_PAGE = 200  # members' largest page: the responsible-employee choice lists this many staff
SIGN_UP_DAYS = 14  # the sessions offered for a sign-up: the coming two weeks


async def overview_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    member_id: uuid.UUID,
    history_offset: int,
    error: ApiError | None = None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    acted_on: str | None = None,
) -> Response:
    """`values`: what the failed form held (shown again); `acted_on`: the subscription the error is about."""
    overview, zone, choices = await asyncio.gather(
        gateway.call(
            session,
            "GET",
            f"/api/v1/views/members/{member_id}/overview",
            params={"history_limit": HISTORY_PAGE_SIZE, "history_offset": history_offset},
        ),
        zone_of(gateway, session),
        overview_choices(gateway, session, member_id),
    )
    today = datetime.now(UTC).astimezone(zone).date()
    agenda = await optional(gateway, session, "/api/v1/bookings/agenda", day=today.isoformat(), days=SIGN_UP_DAYS)
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
        values=values or {},
        acted_on=acted_on,
        today=today.isoformat(),
        new_key=str(uuid.uuid4()),
        **choices,
    )


async def overview_choices(gateway: Gateway, session: WebSession, member_id: uuid.UUID) -> dict[str, Any]:
    """What the action forms offer: plans and products on sale, the studio's tags, staff and checklist templates, the
    member's mandate."""
    plans, products, tags, employees, admins, mandate, templates = await asyncio.gather(
        optional(gateway, session, "/api/v1/billing/plans"),
        optional(gateway, session, "/api/v1/billing/products"),
        optional(gateway, session, "/api/v1/members/tags"),
        optional(gateway, session, "/api/v1/members/members", role="employee", status="active", limit=STAFF_PAGE),
        optional(gateway, session, "/api/v1/members/members", role="admin", status="active", limit=STAFF_PAGE),
        optional(gateway, session, f"/api/v1/billing/members/{member_id}/mandate"),
        optional(gateway, session, "/api/v1/members/checklists"),
    )
    return {
        "plan_options": [(plan["id"], plan["name"]) for plan in items_of(plans) if plan.get("active")],
        "product_options": [
            (product["id"], f"{product['name']} · {money(product.get('price_cents'), product.get('currency'))}")
            for product in items_of(products)
            if product.get("active")
        ],
        "studio_tags": items_of(tags),
        "staff_options": [
            (person["id"], f"{person['first_name']} {person['last_name']}")
            for person in items_of(employees) + items_of(admins)
        ],
        "mandate": mandate if isinstance(mandate, dict) else None,
        "checklist_options": [(template["id"], template["name"]) for template in items_of(templates)],
    }


def failed(error: ApiError) -> bool:
    """An answer the page cannot show next to a control: the error page (or the login) takes over."""
    return error.status >= 500 or error.status in (401, 403, 404)


async def act_on_member(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    member_id: uuid.UUID,
    action: Callable[[], Awaitable[Any]],
    anchor: str,
    values: dict[str, str] | None = None,
    acted_on: str | None = None,
) -> Response:
    """Runs one action through the API: back to the overview's section when it worked (303, so a reload does not
    repeat it), the overview again with the API's errors next to the form's controls when it was refused."""
    try:
        await action()
    except ApiError as error:
        if failed(error):
            raise
        return await overview_page(
            request, session, gateway, member_id, 0, error, error.status, values=values, acted_on=acted_on
        )
    return RedirectResponse(f"/members/{member_id}#{anchor}", status_code=303)


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
    async def write() -> None:
        await gateway.call(session, "POST", f"/api/v1/members/members/{member_id}/notes", json={"body": body})

    return await act_on_member(request, session, gateway, member_id, write, "notes", {"body": body})


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
            session, "POST", f"/api/v1/bookings/sessions/{target}/bookings", json={"member_id": str(member_id)}
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
