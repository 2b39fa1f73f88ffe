"""A member's billing in one read (for the gateway's member overview): subscriptions, payment state, purchases
and payments."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, TypeAlias

from fastapi import APIRouter, Query
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser
from gymloop_kit.http.pagination import Page
from gymloop_kit.ownership import ensure_own_member
from pydantic import BaseModel, Field

from gymloop_billing.api.payments import PaymentStateOut
from gymloop_billing.api.shop import PurchaseOut
from gymloop_billing.api.subscriptions import SubscriptionOut
from gymloop_billing.domain.retry_policy import may_book
from gymloop_billing.service import member_billing, members, payments, studio

router = APIRouter(tags=["members"])

MAX_PAGE = 500


class MemberSubscriptionOut(SubscriptionOut):
    plan_name: str | None = Field(description="The plan's name (None if the plan is unknown here)")


class MemberPaymentOut(BaseModel):
    id: uuid.UUID
    amount_cents: int
    currency: str
    method: str
    status: str = Field(description="pending / succeeded / failed")
    attempts: int
    next_retry_on: date | None
    collection_date: date | None = Field(description="The collection date of its payment run; None via Stripe")
    subscription_id: uuid.UUID | None
    purchase_id: uuid.UUID | None


PurchasePage: TypeAlias = Page[PurchaseOut]


PaymentPage: TypeAlias = Page[MemberPaymentOut]


class MemberBillingOut(BaseModel):
    member_id: uuid.UUID
    subscriptions: list[MemberSubscriptionOut]
    payment_state: PaymentStateOut
    purchases: PurchasePage = Field(description="Newest first")
    payments: PaymentPage = Field(description="Latest collection first")


@router.get(
    "/members/{member_id}/billing",
    operation_id="getMemberBilling",
    summary="A member's subscriptions, payment state, purchases and payments in one read",
    response_model=MemberBillingOut,
)
async def member_billing_overview(
    member_id: uuid.UUID,
    principal: AnyUser,
    session: Session,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Purchases and payments per page")] = 50,
    offset: Annotated[int, Query(ge=0, description="Purchases and payments to skip")] = 0,
) -> MemberBillingOut:
    """Staff read any member of their studio; a member only their own (another member's answers 404). Every
    subscription with its plan's name; the ok/overdue state; one page of purchases and one of payments."""
    ensure_own_member(principal, member_id)
    await members.get_member(session, principal.studio_id, member_id)  # another studio's member: 404
    plans = await _subscriptions(session, principal.studio_id, member_id)
    current = await payments.read_payment_state(session, principal.studio_id, member_id)
    settings = await studio.get_settings(session, principal.studio_id)
    bought, bought_total = await member_billing.member_purchases(
        session, principal.studio_id, member_id, limit=limit, offset=offset
    )
    paid, paid_total = await member_billing.member_payments(
        session, principal.studio_id, member_id, limit=limit, offset=offset
    )
    return MemberBillingOut(
        member_id=member_id,
        subscriptions=plans,
        payment_state=PaymentStateOut(
            member_id=member_id,
            state=current.state.value,
            failed_attempts=current.failed_attempts,
            may_book=may_book(current.state, settings.overdue_members_may_book),
        ),
        purchases=PurchasePage(
            items=[PurchaseOut.model_validate(row) for row in bought], total=bought_total, limit=limit, offset=offset
        ),
        payments=PaymentPage(
            items=[
                MemberPaymentOut(
                    id=row.id,
                    amount_cents=row.amount_cents,
                    currency=row.currency,
                    method=row.method,
                    status=row.status,
                    attempts=row.attempts,
                    next_retry_on=row.next_retry_on,
                    collection_date=collected_on,
                    subscription_id=row.subscription_id,
                    purchase_id=row.purchase_id,
                )
                for row, collected_on in paid
            ],
            total=paid_total,
            limit=limit,
            offset=offset,
        ),
    )


async def _subscriptions(session: Session, studio_id: uuid.UUID, member_id: uuid.UUID) -> list[MemberSubscriptionOut]:
    rows = await member_billing.member_subscriptions(session, studio_id, member_id)
    return [
        MemberSubscriptionOut(**SubscriptionOut.model_validate(row).model_dump(), plan_name=plan_name)
        for row, plan_name in rows
    ]
