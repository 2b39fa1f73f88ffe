"""A member's Stripe customer and default payment method (card or SEPA debit; iDEAL is one-off, see README).

No Stripe call is made inside a database transaction: the request is checked in one, sent to Stripe with
none open, and Stripe's answer kept in a new one (`set_payment_method`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import stripe
from gymloop_kit.db import Database
from gymloop_kit.errors import InvalidInput
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
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


def has_payment_method(customer: StripeCustomerRow | None) -> bool:
    """Whether Stripe can charge the member: a default payment method, or a card given as the customer's source
    (kept as type card without a method id)."""
    return customer is not None and bool(customer.payment_method_id or customer.payment_method_type)


@dataclass(frozen=True)
class NewCustomer:
    """A member's Stripe customer to create: read in a transaction, sent to Stripe after it."""

    studio_id: uuid.UUID
    member_id: uuid.UUID
    email: str
    name: str


@dataclass(frozen=True)
class MethodRequest:
    """A checked payment method to register, with everything Stripe needs: no database session is needed
    (or held) while it is sent."""

    studio_id: uuid.UUID
    member_id: uuid.UUID
    kind: methods.StripeMethodType
    customer_id: str | None  # the member's Stripe customer, or None: `new_customer` is created first
    new_customer: NewCustomer
    sepa: methods.SepaDebitDetails | None
    acceptance: methods.MandateAcceptance | None
    card: methods.CardDetails | None


@dataclass(frozen=True)
class StripeRegistration:
    customer_id: str
    payment_method_id: str
    mandate_id: str | None


async def new_customer(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> NewCustomer:
    member = await members.get_member(session, studio_id, member_id)
    return NewCustomer(
        studio_id=studio_id, member_id=member_id, email=member.email, name=f"{member.first_name} {member.last_name}"
    )


async def create_customer(gateway: StripeGateway, customer: NewCustomer, *, source: str | None) -> str:
    """The member's Stripe customer (no transaction open); the key names the member: the same one again."""
    return await gateway.create_customer(
        member_id=customer.member_id,
        studio_id=customer.studio_id,
        email=customer.email,
        name=customer.name,
        source=source,
    )


async def store_customer(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, stripe_customer_id: str, *, card_source: bool
) -> StripeCustomerRow:
    """Keep the member's Stripe customer (a concurrent twin request stored the same one: kept as it is)."""
    await session.execute(
        pg_insert(StripeCustomerRow)
        .values(
            member_id=member_id,
            studio_id=studio_id,
            stripe_customer_id=stripe_customer_id,
            payment_method_type=methods.StripeMethodType.CARD.value if card_source else None,
        )
        .on_conflict_do_nothing(index_elements=[StripeCustomerRow.member_id])
    )
    customer = (
        await session.execute(
            select(StripeCustomerRow)
            .where(StripeCustomerRow.member_id == member_id, StripeCustomerRow.studio_id == studio_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    return customer


async def prepare_payment_method(
    session: AsyncSession,
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
) -> MethodRequest:
    """Every check of a payment method, before Stripe is called. A SEPA debit carries the mandate acceptance:
    online (the member themself: their IP address and browser) or offline (staff registering the mandate
    the member signed at the studio)."""
    await ensure_stripe_studio(session, studio_id)
    customer = await new_customer(session, studio_id, member_id)
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
    existing = await find_customer(session, studio_id, member_id)
    return MethodRequest(
        studio_id=studio_id,
        member_id=member_id,
        kind=kind,
        customer_id=existing.stripe_customer_id if existing else None,
        new_customer=customer,
        sepa=sepa,
        acceptance=acceptance,
        card=card,
    )


async def register_with_stripe(gateway: StripeGateway, request: MethodRequest) -> StripeRegistration:
    """Send the checked method to Stripe (called with no transaction open): the customer if the member has
    none yet, then the method as their default. Stripe's refusals become clear 422 answers."""
    customer_id = request.customer_id or await create_customer(gateway, request.new_customer, source=None)
    mandate_id = None
    try:
        if request.sepa is not None:
            assert request.acceptance is not None
            registration = await gateway.register_sepa_debit(
                member_id=request.member_id,
                customer_id=customer_id,
                iban=request.sepa.iban,
                account_holder=request.sepa.account_holder,
                email=request.new_customer.email,
                acceptance=request.acceptance,
            )
            method_id, mandate_id = registration.payment_method_id, registration.mandate_id
        else:
            assert request.card is not None
            method_id = await gateway.make_default(
                customer_id=customer_id, payment_method_id=request.card.payment_method_id
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
    return StripeRegistration(customer_id=customer_id, payment_method_id=method_id, mandate_id=mandate_id)


async def record_payment_method(
    session: AsyncSession, request: MethodRequest, registration: StripeRegistration
) -> RegisteredMethod:
    """Keep what Stripe registered: the member's customer and default method."""
    customer = await store_customer(
        session, request.studio_id, request.member_id, registration.customer_id, card_source=False
    )
    customer.payment_method_id = registration.payment_method_id
    customer.payment_method_type = request.kind.value
    await session.flush()
    return RegisteredMethod(customer=customer, mandate_id=registration.mandate_id)


async def set_payment_method(
    database: Database,
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
    """Register the member's default Stripe payment method: checked in one transaction, sent to Stripe with
    none open, kept in a second one. A crash after Stripe's answer leaves Stripe ahead of us; the same
    request again is the same customer and method for Stripe (idempotency keys) and is then kept."""
    async with database.transaction() as session:
        request = await prepare_payment_method(
            session, studio_id, member_id, method_type=method_type, iban=iban, account_holder=account_holder,
            payment_method=payment_method, by_member=by_member, ip_address=ip_address, user_agent=user_agent,
        )  # fmt: skip
    registration = await register_with_stripe(gateway, request)
    async with database.transaction() as session:
        return await record_payment_method(session, request, registration)
