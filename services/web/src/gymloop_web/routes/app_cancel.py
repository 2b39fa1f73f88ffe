"""The cancel button (German §312k BGB) in the member app: "Cancel membership" on the membership page, a
confirmation page with what cancelling today means (billing's terms), the final button, and a done page. The
receipt goes out by e-mail from notifications (SubscriptionCancelled). No login wall beyond the member's own."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gymloop_web.deps import GatewayDep, MemberSession
from gymloop_web.gateway import ApiError, Gateway
from gymloop_web.rendering import render
from gymloop_web.routes.auth import see_other
from gymloop_web.session import WebSession

router = APIRouter()


def _path(subscription_id: uuid.UUID) -> str:
    return f"/api/v1/billing/subscriptions/{subscription_id}/cancellation"


async def _plan_name(gateway: Gateway, session: WebSession, plan_id: str) -> str | None:
    try:
        plan = await gateway.call(session, "GET", f"/api/v1/billing/plans/{plan_id}")
    except ApiError:
        return None  # a plan no longer offered: the page still cancels, without its name
    return str(plan.get("name")) if isinstance(plan, dict) else None


async def _confirmation(
    request: Request, session: WebSession, gateway: Gateway, subscription_id: uuid.UUID, error: ApiError | None,
    status_code: int,
) -> Response:  # fmt: skip
    terms = await gateway.call(session, "GET", _path(subscription_id))
    name = await _plan_name(gateway, session, str(terms["plan_id"]))
    return render(request, "app/cancel.html", status_code, terms=terms, plan_name=name, error=error)


@router.get("/app/membership/{subscription_id}/cancel")
async def confirm_cancel(
    request: Request, subscription_id: uuid.UUID, session: MemberSession, gateway: GatewayDep
) -> Response:
    """The confirmation step: cancelled today, the notice, the plan's last day; then the final button."""
    return await _confirmation(request, session, gateway, subscription_id, None, 200)


@router.post("/app/membership/{subscription_id}/cancel")
async def cancel(request: Request, subscription_id: uuid.UUID, session: MemberSession, gateway: GatewayDep) -> Response:
    """The final button: billing's POST .../cancellation with confirm; a refusal (already cancelled, too many
    presses) is said on the confirmation page."""
    try:
        cancelled = await gateway.call(session, "POST", _path(subscription_id), json={"confirm": True})
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403, 404):
            raise
        error.general.extend(error.fields.values())  # the refusal is about the subscription: say it at the top
        error.fields.clear()
        return await _confirmation(request, session, gateway, subscription_id, error, error.status)
    return see_other(f"/app/membership/{cancelled['id']}/cancelled")


@router.get("/app/membership/{subscription_id}/cancelled")
async def cancelled(
    request: Request, subscription_id: uuid.UUID, session: MemberSession, gateway: GatewayDep
) -> Response:
    """The done page: the plan is cancelled, its last day, and that the receipt is on its way by e-mail."""
    mine = await gateway.call(session, "GET", f"/api/v1/billing/members/{session.member_id}/subscriptions")
    found = next((s for s in mine if s["id"] == str(subscription_id) and s.get("cancelled_on")), None)
    if found is None:
        return see_other(f"/app/membership/{subscription_id}/cancel")
    name = await _plan_name(gateway, session, str(found["plan_id"]))
    return render(request, "app/cancelled.html", subscription=found, plan_name=name, email=session.email)
