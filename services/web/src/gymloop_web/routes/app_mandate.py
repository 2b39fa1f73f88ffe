"""Change my IBAN in the member app (a SEPA studio): the mandate text to accept again with the new IBAN; billing
signs a new e-mandate, ends the old one and collects the next fee as FRST."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from gymloop_web.deps import GatewayDep, MemberSession
from gymloop_web.gateway import ApiError, Gateway
from gymloop_web.reads import optional
from gymloop_web.rendering import render
from gymloop_web.routes.app_plans import MandateForm, collection_of
from gymloop_web.routes.auth import see_other
from gymloop_web.session import WebSession

router = APIRouter()


async def _iban_page(
    request: Request, session: WebSession, gateway: Gateway, form: dict[str, str], error: ApiError | None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    collection = await collection_of(gateway, session)
    current = await optional(gateway, session, f"/api/v1/billing/members/{session.member_id}/mandate")
    if not collection.sepa or current is None:  # nothing to change: a Stripe studio, or no mandate yet
        return see_other("/app/membership")
    return render(
        request, "app/iban.html", status_code, mandate=collection.mandate, current=current, form=form, error=error,
        idempotency_key=str(uuid.uuid4()),
    )  # fmt: skip


@router.get("/app/membership/iban")
async def iban_page(request: Request, session: MemberSession, gateway: GatewayDep) -> Response:
    return await _iban_page(request, session, gateway, {}, None)


@router.post("/app/membership/iban")
async def change_iban(
    request: Request, session: MemberSession, gateway: GatewayDep, form: Annotated[MandateForm, Depends()]
) -> Response:
    """billing's POST /members/{id}/sepa-mandate; a field error comes back next to its field."""
    path = f"/api/v1/billing/members/{session.member_id}/sepa-mandate"
    error = await form.send(request, gateway, session, path)
    if error is not None:
        return await _iban_page(request, session, gateway, form.shown, error, error.status)
    return see_other("/app/membership?notice=iban_changed")
