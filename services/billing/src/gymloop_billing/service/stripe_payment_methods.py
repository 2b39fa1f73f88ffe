"""A member's Stripe customer and default payment method (card or SEPA debit; iDEAL is one-off, see README)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import stripe
from gymloop_kit.errors import InvalidInput
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import StripeCustomerRow
from gymloop_billing.domain import stripe_payment_methods as methods
from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.service import members, studio
from gymloop_billing.service.stripe_gateway import StripeGateway


@dataclass(frozen=True)
class RegisteredMethod:
    customer: StripeCustomerRow
    mandate_id: str | None  # sepa_debit: Stripe's Mandate recording the member's acceptance


async def ensure_stripe_studio(session: AsyncSession, studio_id: uuid.UUID) -> None:
    settings = await studio.get_settings(session, studio_id)
    if settings.collection_method != CollectionMethod.STRIPE.value:
        raise InvalidInput(
            f"this studio collects by {settings.collection_method}, not Stripe",
            code="not_stripe",
            field="collection_method",
        )


async def find_customer(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> StripeCustomerRow | None:
    return (
        await session.execute(
            select(StripeCustomerRow).where(
                StripeCustomerRow.member_id == member_id, StripeCustomerRow.studio_id == studio_id
            )
        )
    ).scalar_one_or_none()


async def ensure_customer(
    session: AsyncSession, gateway: StripeGateway, studio_id: uuid.UUID, member_id: uuid.UUID, source: str | None
) -> StripeCustomerRow:
    customer = await find_customer(session, studio_id, member_id)
    if customer is not None:
        return customer
    member = await members.get_member(session, studio_id, member_id)
    customer_id = await gateway.create_customer(
        member_id=member_id,
        studio_id=studio_id,
        email=member.email,
        name=f"{member.first_name} {member.last_name}",
        source=source,
    )
    customer = StripeCustomerRow(
        member_id=member_id,
        studio_id=studio_id,
        stripe_customer_id=customer_id,
        payment_method_type=methods.StripeMethodType.CARD.value if source else None,
    )
    session.add(customer)
    await session.flush()
    return customer


async def set_payment_method(
    session: AsyncSession,
    gateway: StripeGateway,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    method_type: str,
    iban: str | None,
    account_holder: str | None,
    payment_method: str | None,
    by_member: bool = False,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> RegisteredMethod:
    """Register the member's default Stripe payment method; every check runs before Stripe is called.
    A SEPA debit carries the mandate acceptance: online (the member themself: their IP address and browser)
    or offline (staff registering the mandate the member signed at the studio)."""
    await ensure_stripe_studio(session, studio_id)
    member = await members.get_member(session, studio_id, member_id)
    try:
        kind = methods.StripeMethodType(method_type)
    except ValueError:
        raise InvalidInput(
            f"unknown payment method type {method_type!r}: use card or sepa_debit",
            code="payment_method_type",
            field="type",
        ) from None
    if kind is methods.StripeMethodType.IDEAL:
        raise methods.refuse_ideal()
    sepa = methods.sepa_debit(iban or "", account_holder or "") if kind is methods.StripeMethodType.SEPA_DEBIT else None
    acceptance = (
        methods.mandate_acceptance(by_member=by_member, ip_address=ip_address, user_agent=user_agent)
        if sepa is not None
        else None
    )
    card = methods.card(payment_method) if kind is methods.StripeMethodType.CARD else None
    customer = await ensure_customer(session, gateway, studio_id, member_id, source=None)
    mandate_id = None
    try:
        if sepa is not None:
            assert acceptance is not None
            registration = await gateway.register_sepa_debit(
                member_id=member_id,
                customer_id=customer.stripe_customer_id,
                iban=sepa.iban,
                account_holder=sepa.account_holder,
                email=member.email,
                acceptance=acceptance,
            )
            method_id, mandate_id = registration.payment_method_id, registration.mandate_id
        else:
            assert card is not None
            method_id = await gateway.make_default(
                customer_id=customer.stripe_customer_id, payment_method_id=card.payment_method_id
            )
    except stripe.CardError as error:
        raise InvalidInput(
            f"Stripe declined the payment method: {error.user_message or error}",
            code="payment_method_declined",
            field="payment_method",
        ) from None
    except stripe.InvalidRequestError as error:
        raise InvalidInput(
            f"Stripe refused the payment method: {error.user_message or error}",
            code="payment_method_refused",
            field="payment_method",
        ) from None
    customer.payment_method_id = method_id
    customer.payment_method_type = kind.value
    await session.flush()
    return RegisteredMethod(customer=customer, mandate_id=mandate_id)
