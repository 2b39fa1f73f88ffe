"""Events owned by the billing service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from gymloop_contracts.base import EventPayload
from gymloop_contracts.events.common import CollectionMethod, DateRange, ImportRef, PlanKind, _ImportRowRejected


class PlanPublished(EventPayload):
    """A plan (subscription type) was created or changed; carries its full state."""

    owner: ClassVar[str] = "billing"
    aggregate_type: ClassVar[str] = "plan"
    aggregate_field: ClassVar[str] = "plan_id"
    key_field: ClassVar[str] = "plan_id"

    plan_id: uuid.UUID
    name: str
    kind: PlanKind
    credits: int | None = None
    valid_days: int | None = None
    valid_until: date | None = None
    weekly_limit: int | None = None
    price_cents: int
    currency: str
    period: Literal["one_off", "monthly", "yearly"]
    visible: bool
    active: bool = True


class _SubscriptionEvent(EventPayload):
    owner: ClassVar[str] = "billing"
    aggregate_type: ClassVar[str] = "subscription"
    aggregate_field: ClassVar[str] = "subscription_id"
    key_field: ClassVar[str] = "member_id"

    subscription_id: uuid.UUID
    member_id: uuid.UUID


class SubscriptionActivated(_SubscriptionEvent):
    """A member's subscription became active; carries everything bookings needs for the entitlement."""

    plan_id: uuid.UUID
    plan_name: str
    plan_kind: PlanKind
    credits: int | None = None
    weekly_limit: int | None = None
    valid_from: date
    valid_until: date | None = None
    paused_periods: list[DateRange] = []
    collection_method: CollectionMethod
    import_ref: ImportRef | None = None


class SubscriptionRenewed(_SubscriptionEvent):
    """A subscription rolled over into a new period; packs receive their credits again."""

    credits_granted: int | None = None
    valid_from: date
    valid_until: date | None = None


class SubscriptionPaused(_SubscriptionEvent):
    """A subscription is frozen for a period; its end date moves by the paused days."""

    pause: DateRange
    valid_until: date | None = None
    paused_periods: list[DateRange] = []


class SubscriptionResumed(_SubscriptionEvent):
    """A pause ended early (or was lifted); the end date is recomputed."""

    resumed_on: date
    valid_until: date | None = None
    paused_periods: list[DateRange] = []


class SubscriptionEnded(_SubscriptionEvent):
    """A subscription ended (cancelled after its notice period, expired, or stopped by staff)."""

    ended_on: date
    reason: Literal["cancelled", "expired", "stopped", "replaced"]


class SubscriptionCancelled(_SubscriptionEvent):
    """A subscription was cancelled (by the member's cancel button or by staff); it runs until `end_date`.
    Carries what the cancellation receipt tells the member."""

    plan_name: str
    requested_on: date
    end_date: date | None = None
    cancelled_by: Literal["member", "staff"]


class _PaymentEvent(EventPayload):
    owner: ClassVar[str] = "billing"
    aggregate_type: ClassVar[str] = "payment"
    aggregate_field: ClassVar[str] = "payment_id"
    key_field: ClassVar[str] = "member_id"

    payment_id: uuid.UUID
    member_id: uuid.UUID
    amount_cents: int
    currency: str
    method: Literal["sepa_export", "stripe_card", "stripe_ideal", "stripe_sepa_debit", "offline"]
    subscription_id: uuid.UUID | None = None
    # Set when the payment settles one shop purchase paid at once (settlement "stripe").
    purchase_id: uuid.UUID | None = None


class PaymentSucceeded(_PaymentEvent):
    """A payment was collected."""


class PaymentFailed(_PaymentEvent):
    """A payment failed; `overdue` and `may_book` tell bookings whether the member may still book."""

    reason: str
    attempt: int = 1
    next_retry_on: date | None = None
    overdue: bool = False
    may_book: bool = True


class MemberPaymentStateChanged(EventPayload):
    """A member's payment state in a studio changed (ok or overdue): the full state, so the newest sequence wins.

    One aggregate per member, unlike the payment events (one per payment, on topics of their own): a consumer
    that keeps whether a member may book cannot order a PaymentFailed of one payment against a PaymentSucceeded
    of another, but it can order these."""

    owner: ClassVar[str] = "billing"
    aggregate_type: ClassVar[str] = "member_payment_state"
    aggregate_field: ClassVar[str] = "member_id"
    key_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    state: Literal["ok", "overdue"]
    failed_attempts: int = 0


class PurchaseRecorded(EventPayload):
    """Staff recorded a shop purchase for a member; it is added to the next payment or paid at once."""

    owner: ClassVar[str] = "billing"
    aggregate_type: ClassVar[str] = "purchase"
    aggregate_field: ClassVar[str] = "purchase_id"
    key_field: ClassVar[str] = "member_id"

    purchase_id: uuid.UUID
    member_id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    quantity: int
    unit_price_cents: int
    currency: str
    settlement: Literal["next_payment", "stripe", "offline"]


class SubscriptionImportRejected(_ImportRowRejected):
    """Billing refused the subscription or mandate of an import row (e.g. the plan became inactive or the
    studio stopped collecting by SEPA export); the importer marks the row failed with this reason."""

    owner: ClassVar[str] = "billing"


class BillingSettingsChanged(EventPayload):
    """A studio's billing settings changed (on first configuration too): how it collects, and whether
    overdue members may still book. The importer follows the collection method to accept subscriptions."""

    owner: ClassVar[str] = "billing"
    aggregate_type: ClassVar[str] = "billing_settings"
    aggregate_field: ClassVar[str] = "studio_id"
    key_field: ClassVar[str] = "studio_id"

    studio_id: uuid.UUID
    collection_method: CollectionMethod
    currency: str
    overdue_members_may_book: bool
