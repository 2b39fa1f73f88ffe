"""Payments and the member's payment state (ok/overdue)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser, Staff
from pydantic import BaseModel

from gymloop_billing.api.deps import ensure_own_member
from gymloop_billing.domain.retry_policy import PaymentState, may_book
from gymloop_billing.service import payments, studio

router = APIRouter(tags=["payments"])


class PaymentStateOut(BaseModel):
    member_id: uuid.UUID
    state: str
    failed_attempts: int
    may_book: bool


class BankAnswerIn(BaseModel):
    succeeded: bool
    reason: str | None = None


class PaymentOut(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    amount_cents: int
    status: str
    attempts: int


@router.get("/members/{member_id}/payment-state", summary="Is the member ok or overdue, and may they book?")
async def payment_state(member_id: uuid.UUID, principal: AnyUser, session: Session) -> PaymentStateOut:
    ensure_own_member(principal, member_id)
    row = await payments.get_payment_state(session, principal.studio_id, member_id)
    settings = await studio.get_settings(session, principal.studio_id)
    state = PaymentState(row.state)
    return PaymentStateOut(
        member_id=member_id,
        state=state.value,
        failed_attempts=row.failed_attempts,
        may_book=may_book(state, settings.overdue_members_may_book),
    )


@router.post("/payments/{payment_id}/bank-answer", summary="Record the bank's answer for a SEPA collection")
async def bank_answer(payment_id: uuid.UUID, body: BankAnswerIn, principal: Staff, session: Session) -> PaymentOut:
    row = await payments.mark_sepa_payment(
        session, principal.studio_id, payment_id, succeeded=body.succeeded, reason=body.reason
    )
    return PaymentOut(
        id=row.id, member_id=row.member_id, amount_cents=row.amount_cents, status=row.status, attempts=row.attempts
    )
