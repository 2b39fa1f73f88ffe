"""The payments ledger: payments with their status history, and what a member owes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser
from gymloop_kit.errors import NotFound
from gymloop_kit.http.pagination import Page, Paging
from gymloop_kit.ownership import ensure_own_member
from pydantic import BaseModel, Field

from gymloop_billing.db.models import PaymentRow, PaymentStatusChangeRow
from gymloop_billing.service import ledger, members

router = APIRouter(tags=["payments"])

PaymentStatus = Literal["pending", "succeeded", "failed", "returned", "refunded"]
STATUS_DESCRIPTION = (
    "pending (being collected), succeeded (collected), failed (refused: a card, or a SEPA collection the bank "
    "rejected), returned (a SEPA collection the bank returned), refunded (the member had their bank refund it)"
)


class StatusChangeOut(BaseModel):
    status: str
    reason_code: str | None = Field(description="The bank's ISO 20022 reason code, e.g. AM04")
    reason: str | None
    at: datetime


class LedgerPaymentOut(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    amount_cents: int
    currency: str
    method: str
    status: str = Field(description=STATUS_DESCRIPTION)
    reason_code: str | None = Field(description="The bank's reason code of the latest return or rejection")
    attempts: int
    payment_run_id: uuid.UUID | None
    end_to_end_id: str | None = Field(description="The id the SEPA collection went to the bank with")
    mandate_reference: str | None
    subscription_id: uuid.UUID | None
    purchase_id: uuid.UUID | None
    next_retry_on: date | None
    collected_again: bool = Field(description="Returned, and its amount is open again for the next payment run")

    @classmethod
    def of(cls, row: PaymentRow) -> LedgerPaymentOut:
        return cls(
            id=row.id,
            member_id=row.member_id,
            amount_cents=row.amount_cents,
            currency=row.currency,
            method=row.method,
            status=row.status,
            reason_code=row.reason_code,
            attempts=row.attempts,
            payment_run_id=row.payment_run_id,
            end_to_end_id=row.end_to_end_id,
            mandate_reference=row.mandate_reference,
            subscription_id=row.subscription_id,
            purchase_id=row.purchase_id,
            next_retry_on=row.next_retry_on,
            collected_again=row.reopened,
        )


class LedgerPaymentDetailOut(LedgerPaymentOut):
    history: list[StatusChangeOut] = Field(description="Every status the payment took, oldest first")


class BalanceOut(BaseModel):
    member_id: uuid.UUID
    outstanding_cents: int = Field(description="Everything below together")
    open_charges_cents: int = Field(description="Fees due that no payment has taken yet (also a returned amount)")
    open_purchases_cents: int = Field(description="Shop purchases paid with the next collection")
    being_collected_cents: int = Field(description="Pending payments: the bank or Stripe has not answered yet")
    unpaid_cents: int = Field(description="Failed, returned or refunded payments not collected again")


@router.get(
    "/payments",
    operation_id="listPayments",
    summary="The payments ledger, filtered per member, payment run and status (paged)",
    response_model=Page[LedgerPaymentOut],
)
async def list_payments(
    principal: AnyUser,
    session: Session,
    page: Paging,
    member_id: Annotated[uuid.UUID | None, Query(description="Only this member's payments")] = None,
    payment_run_id: Annotated[uuid.UUID | None, Query(description="Only the payments of this run")] = None,
    status: Annotated[PaymentStatus | None, Query(description=STATUS_DESCRIPTION)] = None,
) -> Page[LedgerPaymentOut]:
    """Staff see the studio's payments; a member only their own (member_id is theirs, or left out; another
    member's answers 404). Newest first."""
    if not principal.is_staff:
        if principal.member_id is None:  # a member token without a member: nobody's payments
            raise NotFound("member not found", code="member_not_found")
        member_id = ensure_own_member(principal, member_id or principal.member_id)
    filters = ledger.PaymentFilter(member_id=member_id, payment_run_id=payment_run_id, status=status)
    rows, total = await ledger.list_payments(session, principal.studio_id, filters, page)
    return Page.of([LedgerPaymentOut.of(row) for row in rows], total, page)


@router.get(
    "/payments/{payment_id}",
    operation_id="getPayment",
    summary="One payment of the ledger with its status history",
)
async def get_payment(payment_id: uuid.UUID, principal: AnyUser, session: Session) -> LedgerPaymentDetailOut:
    """Staff read any payment of the studio; a member only their own (another's answers 404). Each status it took
    with the bank's reason code and when."""
    row, history = await ledger.get_payment(
        session, principal.studio_id, payment_id, member_id=None if principal.is_staff else principal.member_id
    )
    return LedgerPaymentDetailOut(**LedgerPaymentOut.of(row).model_dump(), history=[_change(c) for c in history])


def _change(change: PaymentStatusChangeRow) -> StatusChangeOut:
    return StatusChangeOut(status=change.status, reason_code=change.reason_code, reason=change.reason, at=change.at)


@router.get(
    "/members/{member_id}/balance",
    operation_id="getMemberBalance",
    summary="What a member owes: open fees and purchases, payments being collected and unpaid ones",
)
async def member_balance(member_id: uuid.UUID, principal: AnyUser, session: Session) -> BalanceOut:
    """Staff read any member's; a member only their own. A returned amount that is collected again counts once."""
    ensure_own_member(principal, member_id)
    await members.get_member(session, principal.studio_id, member_id)  # another studio's member: 404
    balance = await ledger.member_balance(session, principal.studio_id, member_id)
    return BalanceOut(
        member_id=member_id,
        outstanding_cents=balance.outstanding_cents,
        open_charges_cents=balance.open_charges_cents,
        open_purchases_cents=balance.open_purchases_cents,
        being_collected_cents=balance.being_collected_cents,
        unpaid_cents=balance.unpaid_cents,
    )
