"""The member overview's billing actions: sell a plan, pause, resume or cancel a subscription, record a purchase,
set the SEPA mandate. Each is one call to billing behind the gateway; billing keeps every rule (notice periods,
overlapping pauses, a valid IBAN) and its refusals show next to the form's controls."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.routes.member_overview import act_on_member

router = APIRouter()


def _number(value: str) -> int | str:
    """A number field as a number; what is not one goes to the API as typed, which says why it is wrong."""
    try:
        return int(value)
    except ValueError:
        return value


@router.post("/members/{member_id}/subscriptions")
async def sell_plan(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    plan_id: Annotated[str, Form()] = "",
    start_date: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """The form's key (new with every page) makes a double click one sale."""
    body = {"member_id": str(member_id), "plan_id": plan_id, "start_date": start_date}
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None

    async def sell() -> None:
        await gateway.call(session, "POST", "/api/v1/billing/subscriptions", json=body, headers=headers)

    values = {"plan_id": plan_id, "start_date": start_date}
    return await act_on_member(request, session, gateway, member_id, sell, "subscriptions", values)


@router.post("/members/{member_id}/subscriptions/{subscription_id}/pause")
async def pause(
    request: Request,
    member_id: uuid.UUID,
    subscription_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    start: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
) -> Response:
    async def freeze() -> None:
        await gateway.call(
            session,
            "POST",
            f"/api/v1/billing/subscriptions/{subscription_id}/pause",
            json={"start": start, "until": until},
        )

    values = {"start": start, "until": until}
    return await act_on_member(
        request, session, gateway, member_id, freeze, "subscriptions", values, str(subscription_id)
    )


@router.post("/members/{member_id}/subscriptions/{subscription_id}/resume")
async def resume(
    request: Request,
    member_id: uuid.UUID,
    subscription_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    on: Annotated[str, Form()] = "",
) -> Response:
    async def lift() -> None:
        await gateway.call(session, "POST", f"/api/v1/billing/subscriptions/{subscription_id}/resume", json={"on": on})

    return await act_on_member(
        request, session, gateway, member_id, lift, "subscriptions", {"on": on}, str(subscription_id)
    )


@router.post("/members/{member_id}/subscriptions/{subscription_id}/cancel")
async def cancel(
    request: Request,
    member_id: uuid.UUID,
    subscription_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    requested_on: Annotated[str, Form()] = "",
    notice_months: Annotated[str, Form()] = "1",
) -> Response:
    async def end() -> None:
        await gateway.call(
            session,
            "POST",
            f"/api/v1/billing/subscriptions/{subscription_id}/cancel",
            json={"requested_on": requested_on, "notice_months": _number(notice_months)},
        )

    values = {"requested_on": requested_on, "notice_months": notice_months}
    return await act_on_member(request, session, gateway, member_id, end, "subscriptions", values, str(subscription_id))


@router.post("/members/{member_id}/purchases")
async def record_purchase(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    product_id: Annotated[str, Form()] = "",
    quantity: Annotated[str, Form()] = "1",
    purchased_on: Annotated[str, Form()] = "",
    purchase_id: Annotated[str, Form()] = "",
) -> Response:
    """`purchase_id` is the form's own (new with every page): billing records one purchase however often it is
    sent."""
    body: dict[str, object] = {
        "member_id": str(member_id),
        "product_id": product_id,
        "quantity": _number(quantity),
        "purchased_on": purchased_on or None,
        "purchase_id": purchase_id or None,
    }

    async def record() -> None:
        await gateway.call(session, "POST", "/api/v1/billing/purchases", json=body)

    values = {"product_id": product_id, "quantity": quantity, "purchased_on": purchased_on}
    return await act_on_member(request, session, gateway, member_id, record, "billing", values)


@router.post("/members/{member_id}/mandate")
async def set_mandate(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    iban: Annotated[str, Form()] = "",
    account_holder: Annotated[str, Form()] = "",
    mandate_reference: Annotated[str, Form()] = "",
    signed_on: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "iban": iban,
        "account_holder": account_holder,
        "mandate_reference": mandate_reference,
        "signed_on": signed_on,
    }

    async def register() -> None:
        await gateway.call(
            session,
            "PUT",
            f"/api/v1/billing/members/{member_id}/mandate",
            json={**values, "signed_on": signed_on or None},
        )

    return await act_on_member(request, session, gateway, member_id, register, "billing", values)
