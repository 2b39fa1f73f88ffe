"""The Stripe webhook: signature checked on the raw body, deduplicated by event id."""

from __future__ import annotations

from fastapi import APIRouter, Request
from gymloop_kit.app import runtime_of
from pydantic import BaseModel

from gymloop_billing.service import payments
from gymloop_billing.service.stripe_gateway import StripeGateway

router = APIRouter(tags=["stripe"])


class WebhookOut(BaseModel):
    event_id: str
    applied: bool


@router.post(
    "/stripe/webhook",
    summary="Stripe events (invoice and payment intent paid/failed); 400 on a bad signature",
    responses={400: {}},
)
async def stripe_webhook(request: Request) -> WebhookOut:
    """Public, called by Stripe: the Stripe-Signature header is checked on the raw body (400 when it is wrong or too
    old). Each event is applied once; a repeated delivery answers applied=false."""
    settings = request.app.state.billing_settings
    payload = await request.body()  # the raw bytes: re-serialised JSON would break the signature
    event = payments.verify_webhook(
        payload,
        request.headers.get("Stripe-Signature"),
        settings.stripe_webhook_secret,
        settings.stripe_webhook_tolerance_s,
    )
    # its own short transactions around the Stripe call (never one open while Stripe answers)
    outcome = await payments.receive_webhook(runtime_of(request).database, StripeGateway(settings), event)
    return WebhookOut(event_id=outcome.event_id, applied=outcome.applied)
