"""The Stripe webhook: signature checked on the raw body, the event's shape checked, deduplicated by event id."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from gymloop_kit.app import runtime_of
from gymloop_kit.bounds import Int32, NonNegativeInt32
from gymloop_kit.http.input_messages import clear_message
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gymloop_billing.service import payments
from gymloop_billing.service.payments import PAYMENT_INTENT_EVENTS, WebhookRejected
from gymloop_billing.service.stripe_gateway import StripeGateway

router = APIRouter(tags=["stripe"])

APPLIED_EVENTS = ("invoice.payment_succeeded", "invoice.payment_failed", *PAYMENT_INTENT_EVENTS)


class WebhookOut(BaseModel):
    event_id: str
    applied: bool


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow")  # Stripe sends far more than billing reads


class AppliedObject(_Shape):
    """The invoice or payment intent of an event billing applies: the members it reads, with the types stored."""

    id: str | None = None
    amount_due: Int32 | None = None
    total: Int32 | None = None
    currency: str | None = None
    attempt_count: Int32 | None = None
    customer: str | None = None
    subscription: str | None = None
    invoice: str | None = None
    metadata: dict[str, str] | None = None
    last_payment_error: dict[str, Any] | None = None


class EventData(_Shape):
    object: dict[str, Any]


class StripeEvent(_Shape):
    id: str = Field(min_length=1)
    type: str
    created: NonNegativeInt32 | None = None
    data: EventData


def check_event_shape(event: Any) -> None:
    """A correctly signed body can still be no Stripe event (or one billing cannot store): 400, nothing applied."""
    try:
        checked = StripeEvent.model_validate(event)
        if checked.type in APPLIED_EVENTS:
            AppliedObject.model_validate(checked.data.object)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise WebhookRejected(
            f"webhook body is not a Stripe event billing can apply: {where}: {clear_message(first)}",
            code="webhook_body_invalid",
        ) from None


@router.post(
    "/stripe/webhook",
    summary="Stripe events (invoice and payment intent paid/failed); 400 on a bad signature or body",
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
    check_event_shape(event)
    # its own short transactions around the Stripe call (never one open while Stripe answers)
    outcome = await payments.receive_webhook(runtime_of(request).database, StripeGateway(settings), event)
    return WebhookOut(event_id=outcome.event_id, applied=outcome.applied)
