"""Subscriptions of members: start (SEPA/offline or Stripe), pause, resume, cancel, renew, expire."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from gymloop_kit import studio_clock
from gymloop_kit.app import Session, runtime_of
from gymloop_kit.auth import AnyUser, Staff
from gymloop_kit.idempotency import Idempotency
from gymloop_kit.ownership import ensure_own_member
from pydantic import BaseModel, ConfigDict, Field

from gymloop_billing.db.models import SubscriptionRow
from gymloop_billing.service import stripe_subscriptions, subscriptions
from gymloop_billing.service.stripe_gateway import StripeGateway

router = APIRouter(tags=["subscriptions"])


class StartIn(BaseModel):
    member_id: uuid.UUID
    plan_id: uuid.UUID
    start_date: date


class StripeStartIn(StartIn):
    payment_source: str | None = Field(default=None, description="Stripe card token/source for a new customer")


class PauseIn(BaseModel):
    start: date
    until: date = Field(description="Last paused day (inclusive)")


class ResumeIn(BaseModel):
    on: date


# Added to the request date in months; the domain checks >= 0.
MAX_NOTICE_MONTHS = 10 * 12


class CancelIn(BaseModel):
    requested_on: date
    notice_months: int = Field(default=1, le=MAX_NOTICE_MONTHS)


class RenewIn(BaseModel):
    on: date | None = None


class ExpireIn(BaseModel):
    today: date | None = Field(default=None, description="Default: today in the studio's time zone")


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    member_id: uuid.UUID
    plan_id: uuid.UUID
    start_date: date
    period_start: date
    valid_until: date | None
    credits: int | None
    status: str
    paused_periods: list[dict[str, Any]]
    cancelled_on: date | None
    end_date: date | None
    stripe_subscription_id: str | None


def _out(row: SubscriptionRow) -> SubscriptionOut:
    return SubscriptionOut.model_validate(row)


@router.post(
    "/subscriptions",
    operation_id="startSubscription",
    status_code=201,
    summary="Start a subscription; publishes SubscriptionActivated",
    response_model=SubscriptionOut,
)
async def start(body: StartIn, principal: Staff, session: Session, idempotency: Idempotency) -> Response:
    """Staff only. Starts the member on an offered plan from the start date (a withdrawn plan answers 422); publishes
    SubscriptionActivated, which gives the member their credits in bookings. A retry with the same Idempotency-Key
    gets the first answer and starts nothing more."""
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    row = await subscriptions.start_subscription(
        session, principal.studio_id, member_id=body.member_id, plan_id=body.plan_id, start_date=body.start_date
    )
    return await idempotency.answer(session, _out(row), status_code=201)


@router.post(
    "/stripe/subscriptions",
    operation_id="startStripeSubscription",
    status_code=201,
    summary="Start a subscription paid through Stripe",
    response_model=SubscriptionOut,
)
async def start_stripe(body: StripeStartIn, request: Request, principal: AnyUser, idempotency: Idempotency) -> Response:
    """Staff for any member, a member for themselves. Creates the subscription in Stripe (and the Stripe customer for
    a new one, with the card token given) and records it here. A retry with the same Idempotency-Key gets the first
    answer (409 idempotency_key_in_progress while the first is still at work) and starts nothing more."""
    ensure_own_member(principal, body.member_id)
    gateway = StripeGateway(request.app.state.billing_settings)
    database = runtime_of(request).database
    async with idempotency.held(database) as key:
        if key.replayed is not None:
            return key.replayed
        # its own short transactions around the Stripe calls (never one open while Stripe answers)
        row = await stripe_subscriptions.start_stripe_subscription(
            database,
            gateway,
            principal.studio_id,
            member_id=body.member_id,
            plan_id=body.plan_id,
            start_date=body.start_date,
            payment_source=body.payment_source,
        )
        return await key.answer(_out(row), status_code=201)


@router.get(
    "/members/{member_id}/subscriptions", operation_id="listMemberSubscriptions", summary="A member's subscriptions"
)
async def member_subscriptions(member_id: uuid.UUID, principal: AnyUser, session: Session) -> list[SubscriptionOut]:
    """Staff read any member's; a member only their own. Every subscription with its plan, state and period."""
    ensure_own_member(principal, member_id)
    rows = await subscriptions.list_member_subscriptions(session, principal.studio_id, member_id)
    return [_out(row) for row in rows]


@router.post(
    "/subscriptions/{subscription_id}/pause",
    operation_id="pauseSubscription",
    summary="Pause (freeze); publishes SubscriptionPaused",
)
async def pause(subscription_id: uuid.UUID, body: PauseIn, principal: Staff, session: Session) -> SubscriptionOut:
    """Staff only. Freezes the subscription from `start` to `until` (inclusive). Publishes SubscriptionPaused."""
    return _out(
        await subscriptions.pause_subscription(session, principal.studio_id, subscription_id, body.start, body.until)
    )


@router.post(
    "/subscriptions/{subscription_id}/resume",
    operation_id="resumeSubscription",
    summary="Lift a pause; publishes SubscriptionResumed",
)
async def resume(subscription_id: uuid.UUID, body: ResumeIn, principal: Staff, session: Session) -> SubscriptionOut:
    """Staff only. Ends a pause on the given date. Publishes SubscriptionResumed."""
    return _out(await subscriptions.resume_subscription(session, principal.studio_id, subscription_id, body.on))


@router.post(
    "/subscriptions/{subscription_id}/cancel", operation_id="cancelSubscription", summary="Cancel with a notice period"
)
async def cancel(subscription_id: uuid.UUID, body: CancelIn, principal: Staff, session: Session) -> SubscriptionOut:
    """Staff only. Ends the subscription after `notice_months` counted from the requested date; it runs until then."""
    row = await subscriptions.cancel_subscription(
        session, principal.studio_id, subscription_id, body.requested_on, body.notice_months
    )
    return _out(row)


@router.post(
    "/subscriptions/{subscription_id}/renew",
    operation_id="renewSubscription",
    summary="Roll into the next period; SubscriptionRenewed",
)
async def renew(subscription_id: uuid.UUID, body: RenewIn, principal: Staff, session: Session) -> SubscriptionOut:
    """Staff only. Rolls a recurring plan into its next period, or rebuys a one-off pack or pass (from `on`, or the
    day after the current one runs out), and charges its fee; a paused subscription must be resumed first.
    Publishes SubscriptionRenewed."""
    return _out(await subscriptions.renew_subscription(session, principal.studio_id, subscription_id, body.on))


@router.post(
    "/subscriptions/expire",
    operation_id="expireSubscriptions",
    summary="End subscriptions past their end date; SubscriptionEnded each",
)
async def expire(body: ExpireIn, principal: Staff, session: Session) -> dict[str, int]:
    """Staff only. Ends every subscription of the studio whose end date has passed (today in the studio's time zone
    unless given); answers how many ended. Publishes SubscriptionEnded for each."""
    today = body.today or await studio_clock.today(session, principal.studio_id)
    ended = await subscriptions.expire_subscriptions(session, principal.studio_id, today)
    return {"ended": ended}
