"""What billing contributes to the studio export: plans, subscriptions, SEPA mandates (references, signing dates),
shop products and purchases, charges, payment runs and payments, and each member's payment state."""

from __future__ import annotations

from gymloop_kit.export_data import Column, Dataset

from gymloop_billing.db.models import (
    ChargeRow,
    MandateRow,
    MemberPaymentStateRow,
    PaymentRow,
    PaymentRunRow,
    PlanRow,
    ProductRow,
    PurchaseRow,
    SubscriptionRow,
)

PLANS = Dataset(
    name="plans",
    description="Membership plans",
    studio_id=PlanRow.studio_id,
    order_by=(PlanRow.name, PlanRow.id),
    columns=(
        Column("plan_id", PlanRow.id, "the plan's id"),
        Column("name", PlanRow.name, "its name"),
        Column("kind", PlanRow.kind, "how it entitles: e.g. unlimited or a number of sessions"),
        Column("free", PlanRow.free, "true for a plan without a fee"),
        Column("price_cents", PlanRow.price_cents, "fee per period, in cents"),
        Column("currency", PlanRow.currency, "ISO 4217 currency"),
        Column("period", PlanRow.period, "how often the fee is due"),
        Column("visible", PlanRow.visible, "offered to members"),
        Column("sessions", PlanRow.sessions, "sessions included (session-based plans)"),
        Column("valid_days", PlanRow.valid_days, "days the sessions stay valid"),
        Column("valid_until", PlanRow.valid_until, "last valid day (YYYY-MM-DD)"),
        Column("weekly_limit", PlanRow.weekly_limit, "sessions per week at most"),
        Column("active", PlanRow.active, "still sold"),
    ),
)

SUBSCRIPTIONS = Dataset(
    name="subscriptions",
    description="Members' subscriptions to plans",
    studio_id=SubscriptionRow.studio_id,
    order_by=(SubscriptionRow.start_date, SubscriptionRow.id),
    columns=(
        Column("subscription_id", SubscriptionRow.id, "the subscription's id"),
        Column("member_id", SubscriptionRow.member_id, "the member"),
        Column("plan_id", SubscriptionRow.plan_id, "the plan (plans.plan_id)"),
        Column("status", SubscriptionRow.status, "e.g. active, paused, cancelled, ended"),
        Column("start_date", SubscriptionRow.start_date, "first day (YYYY-MM-DD)"),
        Column("period_start", SubscriptionRow.period_start, "first day of the current period"),
        Column("valid_until", SubscriptionRow.valid_until, "last valid day"),
        Column("credits", SubscriptionRow.credits, "sessions granted (session-based plans)"),
        Column("paused_periods", SubscriptionRow.paused_periods, "pauses, as JSON [{start, end}]"),
        Column("cancelled_on", SubscriptionRow.cancelled_on, "when it was cancelled"),
        Column("end_date", SubscriptionRow.end_date, "last day after cancelling"),
    ),
)

MANDATES = Dataset(
    name="mandates",
    description="SEPA Direct Debit mandates",
    studio_id=MandateRow.studio_id,
    order_by=(MandateRow.mandate_reference, MandateRow.member_id),
    columns=(
        Column("member_id", MandateRow.member_id, "the member who signed"),
        Column("mandate_reference", MandateRow.mandate_reference, "the mandate reference (sent with every debit)"),
        Column("signed_on", MandateRow.signed_on, "signing date (YYYY-MM-DD)"),
        Column("iban", MandateRow.iban, "the account debited"),
        Column("account_holder", MandateRow.account_holder, "its holder"),
        Column("last_collected_iban", MandateRow.last_collected_iban, "the IBAN of the last collection"),
    ),
)

PRODUCTS = Dataset(
    name="products",
    description="Shop products",
    studio_id=ProductRow.studio_id,
    order_by=(ProductRow.name, ProductRow.id),
    columns=(
        Column("product_id", ProductRow.id, "the product's id"),
        Column("name", ProductRow.name, "its name"),
        Column("price_cents", ProductRow.price_cents, "price in cents"),
        Column("currency", ProductRow.currency, "ISO 4217 currency"),
        Column("active", ProductRow.active, "still sold"),
        Column("description", ProductRow.description, "what it is, as shown with it"),
    ),
)

PURCHASES = Dataset(
    name="purchases",
    description="Shop purchases by members",
    studio_id=PurchaseRow.studio_id,
    order_by=(PurchaseRow.purchased_on, PurchaseRow.id),
    columns=(
        Column("purchase_id", PurchaseRow.id, "the purchase's id"),
        Column("member_id", PurchaseRow.member_id, "the buyer"),
        Column("product_id", PurchaseRow.product_id, "the product (products.product_id)"),
        Column("product_name", PurchaseRow.product_name, "its name when bought"),
        Column("quantity", PurchaseRow.quantity, "how many"),
        Column("unit_price_cents", PurchaseRow.unit_price_cents, "price of one, in cents"),
        Column("currency", PurchaseRow.currency, "ISO 4217 currency"),
        Column("purchased_on", PurchaseRow.purchased_on, "date (YYYY-MM-DD)"),
        Column("settlement", PurchaseRow.settlement, "how it is paid"),
        Column("payment_run_id", PurchaseRow.payment_run_id, "the payment run that collected it"),
    ),
)

CHARGES = Dataset(
    name="charges",
    description="Subscription fees that fell due",
    studio_id=ChargeRow.studio_id,
    order_by=(ChargeRow.due_on, ChargeRow.id),
    columns=(
        Column("charge_id", ChargeRow.id, "the charge's id"),
        Column("member_id", ChargeRow.member_id, "the member"),
        Column("subscription_id", ChargeRow.subscription_id, "the subscription"),
        Column("plan_id", ChargeRow.plan_id, "its plan"),
        Column("description", ChargeRow.description, "what it is for"),
        Column("amount_cents", ChargeRow.amount_cents, "amount in cents"),
        Column("currency", ChargeRow.currency, "ISO 4217 currency"),
        Column("due_on", ChargeRow.due_on, "due date (YYYY-MM-DD)"),
        Column("payment_run_id", ChargeRow.payment_run_id, "the payment run that collected it"),
        Column("payment_id", ChargeRow.payment_id, "the payment that collected it"),
    ),
)

PAYMENT_RUNS = Dataset(
    name="payment_runs",
    description="SEPA payment runs (collection files)",
    studio_id=PaymentRunRow.studio_id,
    order_by=(PaymentRunRow.created_at, PaymentRunRow.id),
    columns=(
        Column("payment_run_id", PaymentRunRow.id, "the run's id"),
        Column("collection_date", PaymentRunRow.collection_date, "collection date (YYYY-MM-DD)"),
        Column("period_label", PaymentRunRow.period_label, "the period collected"),
        Column("message_id", PaymentRunRow.message_id, "the SEPA file's message id"),
        Column("item_count", PaymentRunRow.item_count, "debits in the file"),
        Column("total_cents", PaymentRunRow.total_cents, "their sum in cents"),
        Column("problems", PaymentRunRow.problems, "members left out and why, as JSON"),
        Column("created_at", PaymentRunRow.created_at, "when the run was made (ISO 8601, UTC)"),
    ),
)

PAYMENTS = Dataset(
    name="payments",
    description="The payments ledger: every payment and its state",
    studio_id=PaymentRow.studio_id,
    order_by=(PaymentRow.id,),
    columns=(
        Column("payment_id", PaymentRow.id, "the payment's id"),
        Column("member_id", PaymentRow.member_id, "who pays"),
        Column("amount_cents", PaymentRow.amount_cents, "amount in cents"),
        Column("currency", PaymentRow.currency, "ISO 4217 currency"),
        Column("method", PaymentRow.method, "sepa, stripe or offline"),
        Column("status", PaymentRow.status, "pending, succeeded or failed"),
        Column("attempts", PaymentRow.attempts, "collection attempts so far"),
        Column("next_retry_on", PaymentRow.next_retry_on, "next attempt (YYYY-MM-DD)"),
        Column("payment_run_id", PaymentRow.payment_run_id, "the payment run it is in"),
        Column("subscription_id", PaymentRow.subscription_id, "the subscription it pays"),
        Column("purchase_id", PaymentRow.purchase_id, "the purchase it pays"),
    ),
)

PAYMENT_STATES = Dataset(
    name="member_payment_states",
    description="Members whose payments failed: overdue or not (a member not listed is in order)",
    studio_id=MemberPaymentStateRow.studio_id,
    order_by=(MemberPaymentStateRow.member_id,),
    columns=(
        Column("member_id", MemberPaymentStateRow.member_id, "the member"),
        Column("state", MemberPaymentStateRow.state, "ok or overdue"),
        Column("failed_attempts", MemberPaymentStateRow.failed_attempts, "failed collections in a row"),
    ),
)

DATASETS = (PLANS, SUBSCRIPTIONS, MANDATES, PRODUCTS, PURCHASES, CHARGES, PAYMENT_RUNS, PAYMENTS, PAYMENT_STATES)
