"""GET /api/views/members/{member_id}/overview: one member's screen ("Ledenoverzicht") from four services.

members: profile, tags, role, responsible employee, (staff) notes, attachments, checklists; bookings: credits,
statistics, session history, upcoming bookings, waitlist places; billing: subscriptions, payment state, purchases,
payments; notifications (staff): open notifications. One read per service, all at once; members owns the subject,
so its refusal (404 for another member or studio) is the answer.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from gymloop_kit.auth import Principal
from pydantic import BaseModel, Field

from gymloop_gateway.proxy import error_answer
from gymloop_gateway.views.access import Caller, edge_of
from gymloop_gateway.views.fanout import Part, ServiceCall, gather_parts
from gymloop_gateway.views.schemas import Page, ServiceObject, Unavailable

router = APIRouter(tags=["views"])

MAX_PAGE = 500


class Person(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str


class Subscription(ServiceObject):
    """Billing's subscription (plan name, status, period) with bookings' credits for it."""

    id: uuid.UUID
    plan_name: str | None
    status: str
    credits_left: int | None = Field(description="Credits left on it (None: unlimited, or bookings unavailable)")
    credits_valid_until: str | None = Field(description="Until when its credits may be used (ISO date)")
    active_sign_ups: int | None = Field(description="Sign-ups for sessions to come booked on it")


class MemberOverview(BaseModel):
    member_id: uuid.UUID
    profile: ServiceObject = Field(description="members: the profile (GET /api/members/members/{id})")
    role: str
    tags: list[ServiceObject]
    responsible_employee: Person | None
    subscriptions: list[Subscription] | Unavailable = Field(description="billing, with credits from bookings")
    account: ServiceObject | Unavailable = Field(description="bookings: credits left, active sign-ups, entitlements")
    statistics: ServiceObject | Unavailable = Field(
        description="bookings: visits per week over 4 and 12 weeks, attended, no-shows, late cancels, last visit"
    )
    history: Page | Unavailable = Field(description="bookings: sessions that started, the latest first")
    upcoming: list[ServiceObject] | Unavailable = Field(description="bookings: sign-ups to come, the soonest first")
    waitlist: list[ServiceObject] | Unavailable = Field(description="bookings: waitlist places")
    payment_state: ServiceObject | Unavailable = Field(description="billing: ok or overdue, and may they book")
    purchases: Page | Unavailable = Field(description="billing: purchases, the newest first")
    payments: Page | Unavailable = Field(description="billing: payments, the latest collection first")
    notifications: list[ServiceObject] | Unavailable | None = Field(
        None, description="Staff only (absent for a member): open notifications about the member"
    )
    notes: list[ServiceObject] | None = Field(
        None,
        description="Staff only (absent for a member): the newest 20, newest first; members' notes route pages all",
    )
    notes_total: int | None = Field(None, description="Staff only: how many notes the member has")
    attachments: list[ServiceObject] | None = Field(
        None, description="Staff only (absent for a member), each with its file_url through the gateway"
    )
    checklists: list[ServiceObject] | None = Field(None, description="Staff only (absent for a member)")


def overview_calls(
    member_id: uuid.UUID, principal: Principal, history_limit: int, history_offset: int
) -> dict[str, ServiceCall]:
    calls = {
        "members": ServiceCall("members", f"/members/{member_id}/overview", owns_subject=True),
        "bookings": ServiceCall(
            "bookings",
            f"/members/{member_id}/overview",
            {"history_limit": history_limit, "history_offset": history_offset},
        ),
        "billing": ServiceCall("billing", f"/members/{member_id}/billing"),
    }
    if principal.is_staff:
        calls["notifications"] = ServiceCall(
            "notifications", f"/members/{member_id}/notifications", {"include_done": "false"}
        )
    return calls


def subscriptions_with_credits(billing: Part, bookings: Part) -> list[dict[str, Any]] | dict[str, Any]:
    """Billing's subscriptions, each with the credits and sign-ups bookings keeps for it (None where unknown)."""
    if not billing.ok:
        return billing.unavailable()
    entitlements = {e["subscription_id"]: e for e in bookings.body["account"]["entitlements"]} if bookings.ok else {}
    sign_ups: dict[str, int] = {}
    for booking in bookings.body["upcoming"] if bookings.ok else []:
        sign_ups[booking["subscription_id"]] = sign_ups.get(booking["subscription_id"], 0) + 1
    merged = []
    for subscription in billing.body["subscriptions"]:
        entitlement = entitlements.get(subscription["id"])
        credits = entitlement or {}
        merged.append(
            {
                **subscription,
                "credits_left": credits.get("left") if credits.get("kind") == "pack" else None,
                "credits_valid_until": credits.get("valid_until"),
                "active_sign_ups": sign_ups.get(subscription["id"], 0) if bookings.ok else None,
            }
        )
    return merged


def part_field(part: Part, key: str) -> Any:
    return part.body[key] if part.ok else part.unavailable()


def overview_body(member_id: uuid.UUID, principal: Principal, parts: dict[str, Part]) -> dict[str, Any]:
    members, bookings, billing = parts["members"], parts["bookings"], parts["billing"]
    person = members.body
    profile = person["profile"]
    body: dict[str, Any] = {
        "member_id": str(member_id),
        "profile": profile,
        "role": profile["role"],
        "tags": profile["tags"],
        "responsible_employee": person["responsible_employee"],
        "subscriptions": subscriptions_with_credits(billing, bookings),
        "account": part_field(bookings, "account"),
        "statistics": part_field(bookings, "statistics"),
        "history": part_field(bookings, "history"),
        "upcoming": part_field(bookings, "upcoming"),
        "waitlist": part_field(bookings, "waitlist"),
        "payment_state": part_field(billing, "payment_state"),
        "purchases": part_field(billing, "purchases"),
        "payments": part_field(billing, "payments"),
    }
    if principal.is_staff:
        notifications = parts["notifications"]
        body["notifications"] = notifications.or_unavailable(notifications.items)
        body["notes"] = person["notes"]
        body["notes_total"] = person["notes_total"]
        body["attachments"] = person["attachments"]  # each with its file_url through the gateway
        body["checklists"] = person["checklists"]
    return body


@router.get(
    "/members/{member_id}/overview",
    summary="A member's overview: profile, credits, statistics, bookings, billing, notifications and notes",
    response_model=MemberOverview,
    response_model_exclude_none=True,
    responses={401: {}, 404: {}, 503: {}},
)
async def member_overview(
    member_id: uuid.UUID,
    principal: Caller,
    request: Request,
    history_limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Past sessions per page")] = 50,
    history_offset: Annotated[int, Query(ge=0, description="Past sessions to skip")] = 0,
) -> JSONResponse:
    """Staff see any member of their studio; a member only their own, without the staff's notes, attachments,
    checklists and notifications (those fields are absent). Another member's or another studio's member id is
    404. The services are read at once; a part whose service is down, slow or failing is
    `{"unavailable": true, "service": ..., "detail": ...}` and the rest is answered (200); without the members
    service there is no member to show (503)."""
    calls = overview_calls(member_id, principal, history_limit, history_offset)
    parts = await gather_parts(edge_of(request), request, calls)
    members = parts["members"]
    if not members.ok:
        # no member to show without the service that owns them
        return error_answer(503, "members", "service_unavailable", members.detail)
    return JSONResponse(overview_body(member_id, principal, parts))
