"""Tables of the billing database. Every table carries studio_id and every query filters on it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from gymloop_kit.db import make_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gymloop_billing.domain.bank_returns import DEFAULT_MAX_RECOLLECTIONS
from gymloop_billing.domain.collection_dates import DEFAULT_LEAD_BUSINESS_DAYS
from gymloop_billing.domain.sepa_file import PAIN_008_VERSION


class Base(DeclarativeBase):
    """The billing database's own metadata (the kit's naming convention); never shared."""

    metadata = make_metadata()


class StudioBillingRow(Base):
    __tablename__ = "studio_billing"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    collection_method: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(Text, default="EUR")
    overdue_members_may_book: Mapped[bool] = mapped_column(Boolean, default=False)
    creditor_name: Mapped[str | None] = mapped_column(Text)
    creditor_iban: Mapped[str | None] = mapped_column(Text)
    creditor_id: Mapped[str | None] = mapped_column(Text)
    creditor_bic: Mapped[str | None] = mapped_column(Text)
    # 0011: TARGET business days between a run's creation and its collection date (the bank's cut-off)
    collection_lead_business_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_LEAD_BUSINESS_DAYS, server_default=text(str(DEFAULT_LEAD_BUSINESS_DAYS))
    )
    # 0017: the studio's return policy: an action per bank reason code over the defaults, how often a returned
    # amount is collected again before the member is overdue, and a fee charged per return (0: none)
    return_actions: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    max_recollections: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_MAX_RECOLLECTIONS, server_default=text(str(DEFAULT_MAX_RECOLLECTIONS))
    )
    return_fee_cents: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # 0018: the pain.008 version its bank takes
    sepa_file_version: Mapped[str] = mapped_column(
        Text, default=PAIN_008_VERSION, server_default=text(f"'{PAIN_008_VERSION}'::text")
    )


class MemberRow(Base):
    """Read model of the members service's members (from MemberRegistered/MemberUpdated)."""

    __tablename__ = "member"
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text)
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, default="active")


class PlanRow(Base):
    __tablename__ = "plan"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    free: Mapped[bool] = mapped_column(Boolean)
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(Text)
    period: Mapped[str] = mapped_column(Text)
    visible: Mapped[bool] = mapped_column(Boolean)
    sessions: Mapped[int | None] = mapped_column(Integer)
    valid_days: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[date | None] = mapped_column(Date)
    weekly_limit: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    stripe_plan_id: Mapped[str | None] = mapped_column(Text)


class SubscriptionRow(Base):
    __tablename__ = "subscription"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column()
    start_date: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    credits: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text)
    paused_periods: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer)
    stripe_subscription_id: Mapped[str | None] = mapped_column(Text, unique=True)


class MandateRow(Base):
    __tablename__ = "mandate"
    __table_args__ = (UniqueConstraint("studio_id", "mandate_reference"),)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    mandate_reference: Mapped[str] = mapped_column(Text)
    iban: Mapped[str] = mapped_column(Text)
    account_holder: Mapped[str] = mapped_column(Text)
    signed_on: Mapped[date | None] = mapped_column(Date)
    last_collected_iban: Mapped[str | None] = mapped_column(Text)
    # 0015: an e-mandate accepted by the member in the app; its signature (all None for a paper mandate)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_ip: Mapped[str | None] = mapped_column(Text)
    consent_user_agent: Mapped[str | None] = mapped_column(Text)
    mandate_text_version: Mapped[str | None] = mapped_column(Text)
    # 0017: ended by a bank return (account closed, no mandate, ...): not collected until staff register a new one
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_reason: Mapped[str | None] = mapped_column(Text)


class EndedMandateRow(Base):
    """A mandate the member replaced with a new e-mandate (0020): kept as the authority for what it collected."""

    __tablename__ = "ended_mandate"
    __table_args__ = (Index("ix_ended_mandate_member", "studio_id", "member_id"),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    member_id: Mapped[uuid.UUID] = mapped_column()
    mandate_reference: Mapped[str] = mapped_column(Text)
    iban: Mapped[str] = mapped_column(Text)
    account_holder: Mapped[str] = mapped_column(Text)
    signed_on: Mapped[date | None] = mapped_column(Date)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_ip: Mapped[str | None] = mapped_column(Text)
    consent_user_agent: Mapped[str | None] = mapped_column(Text)
    mandate_text_version: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CancelRequestRow(Base):
    """A press of the cancel button (0015), counted per member and per client address to limit abuse."""

    __tablename__ = "cancel_request"
    __table_args__ = (
        Index("ix_cancel_request_member_at", "member_id", "at"),
        Index("ix_cancel_request_ip_at", "ip", "at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column()
    ip: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProductRow(Base):
    __tablename__ = "product"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")


class PurchaseRow(Base):
    __tablename__ = "purchase"
    __table_args__ = (
        Index(
            "ix_purchase_returned_payment",
            "returned_payment_id",
            postgresql_where=text("returned_payment_id IS NOT NULL"),
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(index=True)
    product_id: Mapped[uuid.UUID] = mapped_column()
    product_name: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(Text)
    purchased_on: Mapped[date] = mapped_column(Date)
    settlement: Mapped[str] = mapped_column(Text)
    payment_run_id: Mapped[uuid.UUID | None] = mapped_column()
    returned_payment_id: Mapped[uuid.UUID | None] = mapped_column()  # 0016: reopened from this returned payment


class ChargeRow(Base):
    """A subscription fee that is due (from a start or a renewal). It is collected once: by the payment that
    took it (0009: `payment_id`), a SEPA run's payment of the member or a Stripe invoice's payment; a payment
    run collects only charges no payment has taken."""

    __tablename__ = "charge"
    __table_args__ = (
        Index("ix_charge_open", "studio_id", "payment_run_id"),
        Index(
            "ix_charge_returned_payment",
            "returned_payment_id",
            postgresql_where=text("returned_payment_id IS NOT NULL"),
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    member_id: Mapped[uuid.UUID] = mapped_column(index=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column()
    plan_id: Mapped[uuid.UUID] = mapped_column()
    description: Mapped[str] = mapped_column(Text)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    payment_run_id: Mapped[uuid.UUID | None] = mapped_column()
    payment_id: Mapped[uuid.UUID | None] = mapped_column()  # 0009: the payment that collects it
    returned_payment_id: Mapped[uuid.UUID | None] = mapped_column()  # 0016: reopened from this returned payment


class PaymentRunRow(Base):
    __tablename__ = "payment_run"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    collection_date: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    item_count: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    file: Mapped[bytes | None] = mapped_column(LargeBinary)


class PaymentRow(Base):
    __tablename__ = "payment"
    __table_args__ = (
        # named unique indexes (migration 0003)
        Index("ux_payment_purchase", "purchase_id", unique=True),
        Index("ux_payment_stripe_payment_intent", "stripe_payment_intent_id", unique=True),
        Index(
            "ix_payment_run_end_to_end",
            "studio_id",
            "payment_run_id",
            "end_to_end_id",
            postgresql_where=text("end_to_end_id IS NOT NULL"),
        ),
        Index("ix_payment_studio_status", "studio_id", "status"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)  # pending / succeeded / failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_retry_on: Mapped[date | None] = mapped_column(Date)
    payment_run_id: Mapped[uuid.UUID | None] = mapped_column()
    subscription_id: Mapped[uuid.UUID | None] = mapped_column()
    stripe_invoice_id: Mapped[str | None] = mapped_column(Text, unique=True)
    # 0003: a shop purchase paid at once through Stripe (one payment per purchase: charged once)
    purchase_id: Mapped[uuid.UUID | None] = mapped_column()  # 0003: a shop purchase paid at once via Stripe
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(Text)  # 0003
    pack_plan_id: Mapped[uuid.UUID | None] = mapped_column()  # 0015: a session pack granted when this succeeds
    # 0016: the bank's reason code of the latest return or reject; the ids a SEPA collection went to the bank with
    reason_code: Mapped[str | None] = mapped_column(Text)
    end_to_end_id: Mapped[str | None] = mapped_column(Text)
    mandate_reference: Mapped[str | None] = mapped_column(Text)
    # 0016: returned, and its charges and purchases reopened for the next run (the amount is owed there, once)
    reopened: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class PaymentStatusChangeRow(Base):
    """The payments ledger's history (0016): each status a payment took, when, and the bank's reason."""

    __tablename__ = "payment_status_change"
    __table_args__ = (Index("ix_payment_status_change_payment", "payment_id", "id"),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    payment_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(Text)
    reason_code: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class BankReturnFileRow(Base):
    """A camt.054 or pain.002 file applied to a run (0017), kept by its SHA-256: the same file again answers
    the report it gave and changes nothing."""

    __tablename__ = "bank_return_file"
    __table_args__ = (UniqueConstraint("studio_id", "sha256"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    payment_run_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    report: Mapped[dict[str, Any]] = mapped_column(JSONB)


class MemberPaymentStateRow(Base):
    """A member's ok/overdue state in one studio (0008: keyed by studio and member). No row: ok, no failures."""

    __tablename__ = "member_payment_state"
    __table_args__ = (PrimaryKeyConstraint("studio_id", "member_id"),)
    member_id: Mapped[uuid.UUID] = mapped_column()
    studio_id: Mapped[uuid.UUID] = mapped_column()
    state: Mapped[str] = mapped_column(Text)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)


class StripeCustomerRow(Base):
    __tablename__ = "stripe_customer"
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    stripe_customer_id: Mapped[str] = mapped_column(Text, unique=True)
    # 0003: the customer's default payment method (charged for invoices and purchases) and its type
    payment_method_id: Mapped[str | None] = mapped_column(Text)
    payment_method_type: Mapped[str | None] = mapped_column(Text)  # card / sepa_debit


class StripeEventRow(Base):
    """Webhook events already applied: a redelivered event id changes nothing."""

    __tablename__ = "stripe_event"
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    studio_id: Mapped[uuid.UUID | None] = mapped_column()
    event_type: Mapped[str] = mapped_column(Text)
    created: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StripeIntentRow(Base):
    """A Stripe call committed before it is made (0006): `done_at` is set once Stripe's answer is kept. The
    scheduler makes the calls of intents left pending again, with the same idempotency key."""

    __tablename__ = "stripe_intent"
    __table_args__ = (Index("ix_stripe_intent_pending", "created_at", postgresql_where=text("done_at IS NULL")),)
    idempotency_key: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)  # what to make in Stripe, e.g. "subscription"
    studio_id: Mapped[uuid.UUID] = mapped_column()
    subject_id: Mapped[uuid.UUID] = mapped_column()  # our row it is made for, e.g. the subscription's id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportRowState(Base):
    """One import row as billing sees it (the import saga). Whichever of the importer's request and
    members' confirmation arrives first creates the row; billing acts once both are in. The primary key
    is the import ref, so a row's subscription can be created only once (its id is derived from it too)."""

    __tablename__ = "import_row"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    import_job_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_on: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(Text)
    plan_id: Mapped[uuid.UUID | None] = mapped_column()
    plan_name: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    iban: Mapped[str | None] = mapped_column(Text)
    account_holder: Mapped[str | None] = mapped_column(Text)
    member_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(Text, default="waiting")
    subscription_id: Mapped[uuid.UUID | None] = mapped_column()
    reason_code: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_import_row_subscription", "studio_id", "subscription_id"),)
