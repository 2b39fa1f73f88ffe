"""A member choosing, paying and cancelling their plan in the app: the SEPA e-mandate, a session pack paid
through Stripe, and the cancel button with its confirmation step."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from gymloop_kit.app import Session, runtime_of
from gymloop_kit.auth import AnyUser, Principal
from gymloop_kit.errors import NotFound
from gymloop_kit.http.forwarded import client_address
from gymloop_kit.idempotency import Idempotency
from gymloop_kit.ownership import ensure_own_member
from pydantic import BaseModel, Field

from gymloop_billing.api.subscriptions import SubscriptionOut
from gymloop_billing.db.models import MandateRow, PaymentRow
from gymloop_billing.service import mandate_change, self_service
from gymloop_billing.service.stripe_gateway import StripeGateway

router = APIRouter(tags=["member self-service"])


def _the_member_themself(principal: Principal, member_id: uuid.UUID) -> uuid.UUID:
    """Only the account holder signs an e-mandate or pays in the app: staff register a paper mandate instead."""
    if principal.member_id != member_id:
        raise NotFound(f"member {member_id} not found", code="member_not_found")
    return member_id


class MandateTextOut(BaseModel):
    version: str = Field(description="Send it back as mandate_text_version when accepting this text")
    text: str
    mandate_reference: str


class SepaSubscribeIn(BaseModel):
    plan_id: uuid.UUID
    start_date: date | None = Field(default=None, description="Default: today in the studio's time zone")
    iban: str = Field(max_length=64)
    account_holder: str = Field(max_length=200)
    mandate_accepted: bool = Field(description="The member ticked 'I accept the SEPA mandate' (must be true)")
    mandate_text_version: str = Field(max_length=64, description="The version of the mandate text shown")


class MandateSignatureOut(BaseModel):
    mandate_reference: str
    iban: str
    account_holder: str
    signed_on: date | None
    consented_at: datetime | None
    mandate_text_version: str | None


class SepaSubscribedOut(BaseModel):
    subscription: SubscriptionOut
    mandate: MandateSignatureOut


class PackIn(BaseModel):
    plan_id: uuid.UUID
    pay_with: Literal["default_method", "ideal"] = Field(
        description="default_method: the card or SEPA debit registered with PUT /members/{id}/stripe/payment-method; "
        "ideal: a redirect to the member's bank"
    )
    return_url: str | None = Field(default=None, max_length=2000, description="iDEAL: where the bank sends back")
    ideal_bank: str | None = Field(default=None, max_length=40)


class PackPaymentOut(BaseModel):
    payment_id: uuid.UUID
    plan_id: uuid.UUID
    amount_cents: int
    currency: str
    method: str
    status: str = Field(description="pending until Stripe's webhook says succeeded or failed")
    subscription_id: uuid.UUID | None = Field(description="The granted pack, once the payment succeeded")
    redirect_url: str | None = Field(default=None, description="iDEAL: send the member's browser here")


class CancellationTermsOut(BaseModel):
    subscription_id: uuid.UUID
    plan_id: uuid.UUID
    requested_on: date
    notice_months: int
    end_date: date | None = Field(description="The last day the plan runs when cancelled today")


class CancelIn(BaseModel):
    confirm: bool = Field(description="true: the member pressed the final cancel button")


@router.get(
    "/members/{member_id}/sepa-mandate-text",
    operation_id="getMandateText",
    summary="The SEPA mandate text the member accepts in the app, with its version",
)
async def mandate_text(member_id: uuid.UUID, principal: AnyUser, session: Session) -> MandateTextOut:
    """The member themself (or staff reading it). A studio that does not collect by SEPA answers 422 not_sepa."""
    ensure_own_member(principal, member_id)
    text = await self_service.current_mandate_text(session, principal.studio_id, member_id)
    return MandateTextOut(version=text.version, text=text.text, mandate_reference=text.mandate_reference)


@router.post(
    "/members/{member_id}/sepa-subscriptions",
    operation_id="subscribeBySepa",
    status_code=201,
    summary="Choose a plan in a SEPA studio: e-mandate and subscription; publishes SubscriptionActivated",
    response_model=SepaSubscribedOut,
)
async def subscribe_by_sepa(
    member_id: uuid.UUID,
    body: SepaSubscribeIn,
    request: Request,
    principal: AnyUser,
    session: Session,
    idempotency: Idempotency,
) -> Response:
    """The member themself. Their IBAN (SEPA zone, checksum: a field error on `iban`), the account holder and
    their consent to the current mandate text make the e-mandate (its signature: the consent's time, IP address,
    browser and the text's version); the plan starts (a pack's credits at once) and its fee is collected with the
    next payment run. A retry with the same Idempotency-Key gets the first answer."""
    _the_member_themself(principal, member_id)
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    row, mandate = await self_service.subscribe_by_sepa(
        session,
        principal.studio_id,
        member_id,
        self_service.SepaChoice(
            plan_id=body.plan_id,
            start_date=body.start_date,
            iban=body.iban,
            account_holder=body.account_holder,
            mandate_accepted=body.mandate_accepted,
            mandate_text_version=body.mandate_text_version,
        ),
        ip_address=client_address(request),
        user_agent=request.headers.get("user-agent"),
        now=datetime.now(UTC),
    )
    answer = SepaSubscribedOut(
        subscription=SubscriptionOut.model_validate(row),
        mandate=_signature_out(mandate),
    )
    return await idempotency.answer(session, answer, status_code=201)


class MandateChangeIn(BaseModel):
    iban: str = Field(max_length=64)
    account_holder: str = Field(max_length=200)
    mandate_accepted: bool = Field(description="The member ticked 'I accept the SEPA mandate' (must be true)")
    mandate_text_version: str = Field(max_length=64, description="The version of the mandate text shown")


class MandateChangedOut(MandateSignatureOut):
    next_sequence_type: str = Field(description="FRST: the new mandate's first collection")


def _signature_out(mandate: MandateRow) -> MandateSignatureOut:
    return MandateSignatureOut(
        mandate_reference=mandate.mandate_reference,
        iban=mandate.iban,
        account_holder=mandate.account_holder,
        signed_on=mandate.signed_on,
        consented_at=mandate.consented_at,
        mandate_text_version=mandate.mandate_text_version,
    )


@router.post(
    "/members/{member_id}/sepa-mandate",
    operation_id="changeMyMandate",
    summary="Change my IBAN in a SEPA studio: a new e-mandate replaces the current one, which ends",
    response_model=MandateChangedOut,
    responses={404: {"description": "mandate_not_found: no mandate to change yet (choose a plan instead)"}},
)
async def change_mandate(
    member_id: uuid.UUID,
    body: MandateChangeIn,
    request: Request,
    principal: AnyUser,
    session: Session,
    idempotency: Idempotency,
) -> Response:
    """The member themself. The new IBAN (SEPA zone, checksum: a field error on `iban`), the account holder and
    their consent to the current mandate text sign a new e-mandate; the previous mandate is kept as ended and the
    next collection is FRST. A refusal changes nothing. A retry with the same Idempotency-Key gets the first
    answer."""
    _the_member_themself(principal, member_id)
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    mandate = await mandate_change.change_mandate(
        session,
        principal.studio_id,
        member_id,
        self_service.MandateConsent(body.iban, body.account_holder, body.mandate_accepted, body.mandate_text_version),
        ip_address=client_address(request),
        user_agent=request.headers.get("user-agent"),
        now=datetime.now(UTC),
    )
    answer = MandateChangedOut(**_signature_out(mandate).model_dump(), next_sequence_type="FRST")
    return await idempotency.answer(session, answer, status_code=200)


def _pack_out(payment: PaymentRow, redirect_url: str | None = None) -> PackPaymentOut:
    assert payment.pack_plan_id is not None
    return PackPaymentOut(
        payment_id=payment.id,
        plan_id=payment.pack_plan_id,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        method=payment.method,
        status=payment.status,
        subscription_id=payment.subscription_id,
        redirect_url=redirect_url,
    )


@router.post(
    "/members/{member_id}/pack-payments",
    operation_id="buyPack",
    status_code=201,
    summary="Buy a session pack in a Stripe studio; the pack is granted when Stripe's webhook says it is paid",
    response_model=PackPaymentOut,
)
async def buy_pack(
    member_id: uuid.UUID, body: PackIn, request: Request, principal: AnyUser, idempotency: Idempotency
) -> Response:
    """The member themself. Charges the pack's price on the member's card or SEPA debit, or starts an iDEAL
    payment (answers `redirect_url`). Nothing is granted before Stripe's webhook reports the payment succeeded;
    a declined, failed or abandoned payment grants nothing; a replayed webhook grants nothing more. Poll
    GET .../pack-payments/{payment_id} for the outcome. A retry with the same Idempotency-Key gets the first answer
    (409 idempotency_key_in_progress while the first is at work)."""
    _the_member_themself(principal, member_id)
    database = runtime_of(request).database
    async with idempotency.held(database) as key:
        if key.replayed is not None:
            return key.replayed
        bought = await self_service.buy_pack(
            database,
            StripeGateway(request.app.state.billing_settings),
            principal.studio_id,
            member_id,
            plan_id=body.plan_id,
            pay_with=body.pay_with,
            return_url=body.return_url,
            ideal_bank=body.ideal_bank,
        )
        return await key.answer(_pack_out(bought.payment, bought.redirect_url), status_code=201)


@router.get(
    "/members/{member_id}/pack-payments/{payment_id}",
    operation_id="getPackPayment",
    summary="A pack payment's state and, once paid, the granted pack",
)
async def pack_payment(
    member_id: uuid.UUID, payment_id: uuid.UUID, principal: AnyUser, session: Session
) -> PackPaymentOut:
    """The member or staff: `status` pending until Stripe's webhook settles it, then succeeded (with the granted
    pack's `subscription_id`) or failed (nothing granted). Another member's payment answers 404. Reads only."""
    ensure_own_member(principal, member_id)
    return _pack_out(await self_service.get_pack_payment(session, principal.studio_id, member_id, payment_id))


def _own_only(principal: Principal) -> uuid.UUID | None:
    """A member reaches only their own subscriptions (others: 404); staff any of the studio."""
    return None if principal.is_staff else principal.member_id or uuid.UUID(int=0)


@router.get(
    "/subscriptions/{subscription_id}/cancellation",
    operation_id="getCancellationTerms",
    summary="The cancel button's confirmation step: what cancelling today means (reads only)",
)
async def cancellation_terms(subscription_id: uuid.UUID, principal: AnyUser, session: Session) -> CancellationTermsOut:
    """The member (their own subscription; another's answers 404) or staff: the day the cancellation would be made
    (today in the studio's time zone), the member's notice and the plan's last day, for the confirmation page
    before the final button. Changes nothing."""
    row, terms = await self_service.cancellation_terms(
        session, principal.studio_id, subscription_id, _own_only(principal)
    )
    return CancellationTermsOut(
        subscription_id=row.id,
        plan_id=row.plan_id,
        requested_on=terms.requested_on,
        notice_months=terms.notice_months,
        end_date=terms.end_date,
    )


@router.post(
    "/subscriptions/{subscription_id}/cancellation",
    operation_id="cancelMySubscription",
    summary="The cancel button (§312k BGB): cancel today with the member's notice; publishes SubscriptionCancelled",
)
async def cancel(
    subscription_id: uuid.UUID, body: CancelIn, request: Request, principal: AnyUser, session: Session
) -> SubscriptionOut:
    """The member (their own subscription) or staff. `confirm` must be true (sent from the confirmation step,
    after GET .../cancellation). The member receives the receipt by e-mail (notifications, from
    SubscriptionCancelled). An already cancelled subscription answers 422 already_cancelled. A member's presses
    are limited per member and per client address (`GYMLOOP_CANCEL_MAX_PER_MEMBER`, `GYMLOOP_CANCEL_MAX_PER_IP` in
    `GYMLOOP_CANCEL_WINDOW_S`): beyond them 429 cancel_throttled with Retry-After."""
    # another's subscription is 404 before anything is counted: it does not exist for this member
    await self_service.ensure_reachable(session, principal.studio_id, subscription_id, _own_only(principal))
    if not principal.is_staff and principal.member_id is not None:
        await self_service.count_cancel_request(
            runtime_of(request).database, request.app.state.billing_settings, principal.member_id,
            (client_address(request) or "unknown")[:64], datetime.now(UTC),
        )  # fmt: skip
    row = await self_service.cancel_by_member(
        session, principal.studio_id, subscription_id, _own_only(principal), confirmed=body.confirm,
        by="staff" if principal.is_staff else "member",
    )  # fmt: skip
    return SubscriptionOut.model_validate(row)
