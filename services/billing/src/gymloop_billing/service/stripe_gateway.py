"""Stripe calls through the official SDK (async), with idempotency keys derived from our own ids.

localstripe (used in tests) speaks the Plans API, not Prices, and ignores idempotency keys; we also keep
the Stripe ids we got in our own rows, so a retried use case reuses them instead of creating twins.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from hashlib import sha256
from typing import Any, cast

import stripe

from gymloop_billing.db.models import PaymentRow
from gymloop_billing.settings import BillingSettings


@dataclass(frozen=True)
class ChargeOutcome:
    """What Stripe answered at once: `succeeded`, `failed` (declined now) or `processing` (SEPA debit:
    the answer comes later by webhook)."""

    status: str
    payment_intent_id: str | None
    failure: str | None = None


class StripeGateway:
    def __init__(self, settings: BillingSettings) -> None:
        base = cast(Any, {"api": settings.stripe_api_base}) if settings.stripe_api_base else None
        self.client = stripe.StripeClient(
            settings.stripe_api_key, base_addresses=base, http_client=stripe.HTTPXClient(), max_network_retries=2
        )

    async def ensure_plan(
        self, *, plan_id: uuid.UUID, name: str, amount_cents: int, currency: str, interval: str, studio_id: uuid.UUID
    ) -> str:
        stripe_plan_id = f"gl-plan-{plan_id}-{amount_cents}-{interval}"
        try:
            await self.client.v1.plans.retrieve_async(stripe_plan_id)
            return stripe_plan_id
        except stripe.InvalidRequestError:
            pass
        plan = await self.client.v1.plans.create_async(
            params={
                "id": stripe_plan_id,
                "amount": amount_cents,
                "currency": currency.lower(),
                "interval": interval,
                "product": {"name": name},
                "metadata": {"studio_id": str(studio_id), "plan_id": str(plan_id)},
            },
            options={"idempotency_key": f"gymloop-{stripe_plan_id}"},
        )
        return str(plan.id)

    async def create_customer(
        self, *, member_id: uuid.UUID, studio_id: uuid.UUID, email: str, name: str, source: str | None
    ) -> str:
        params: dict[str, Any] = {
            "email": email,
            "name": name,
            "metadata": {"studio_id": str(studio_id), "member_id": str(member_id)},
        }
        if source:
            params["source"] = source
        customer = await self.client.v1.customers.create_async(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": f"gymloop-customer-{member_id}"},
        )
        return str(customer.id)

    async def create_subscription(
        self,
        *,
        subscription_id: uuid.UUID,
        customer_id: str,
        stripe_plan_id: str,
        studio_id: uuid.UUID,
        member_id: uuid.UUID,
    ) -> str:
        subscription = await self.client.v1.subscriptions.create_async(
            params={
                "customer": customer_id,
                "items": [{"plan": stripe_plan_id}],
                "metadata": {
                    "studio_id": str(studio_id),
                    "member_id": str(member_id),
                    "subscription_id": str(subscription_id),
                },
            },
            options={"idempotency_key": f"gymloop-subscription-{subscription_id}"},
        )
        return str(subscription.id)

    async def retry_payment(self, payment: PaymentRow) -> bool:
        """Pay the payment's open invoice again; True when it is paid. The idempotency key names the
        payment and the attempt, so a pass that is repeated after a crash does not charge twice."""
        invoice_id = str(payment.stripe_invoice_id)
        try:
            invoice = await self.client.v1.invoices.pay_async(
                invoice_id, options={"idempotency_key": f"gymloop-retry-{payment.id}-{payment.attempts}"}
            )
        except stripe.CardError:
            return False
        except stripe.InvalidRequestError:
            # e.g. "already paid" (the member paid in between, the webhook is on its way): ask for the truth
            invoice = await self.client.v1.invoices.retrieve_async(invoice_id)
        # localstripe answers a declined retry with the still-open invoice instead of a card error
        return invoice.status == "paid"

    async def register_sepa_debit(
        self, *, member_id: uuid.UUID, customer_id: str, iban: str, account_holder: str, email: str
    ) -> str:
        """Create a sepa_debit PaymentMethod, attach it to the customer and make it the default for
        invoices. The key names the member and the IBAN: the same request again makes no second one."""
        method = await self.client.v1.payment_methods.create_async(
            params={
                "type": "sepa_debit",
                "sepa_debit": {"iban": iban},
                "billing_details": {"name": account_holder, "email": email},
                "metadata": {"member_id": str(member_id)},
            },
            options={"idempotency_key": f"gymloop-sepa-{member_id}-{sha256(iban.encode()).hexdigest()[:16]}"},
        )
        return await self.make_default(customer_id=customer_id, payment_method_id=str(method.id))

    async def make_default(self, *, customer_id: str, payment_method_id: str) -> str:
        await self.client.v1.payment_methods.attach_async(payment_method_id, params={"customer": customer_id})
        await self.client.v1.customers.update_async(
            customer_id, params={"invoice_settings": {"default_payment_method": payment_method_id}}
        )
        return payment_method_id

    async def charge_now(
        self,
        *,
        payment_id: uuid.UUID,
        purchase_id: uuid.UUID,
        studio_id: uuid.UUID,
        customer_id: str,
        payment_method_id: str,
        amount_cents: int,
        currency: str,
    ) -> ChargeOutcome:
        """Charge a shop purchase at once (off-session PaymentIntent on the member's default method).
        The key is derived from the purchase id: a repeated request is the same charge for Stripe."""
        try:
            intent = await self.client.v1.payment_intents.create_async(
                params={
                    "amount": amount_cents,
                    "currency": currency.lower(),
                    "customer": customer_id,
                    "payment_method": payment_method_id,
                    "confirm": True,
                    "off_session": True,
                    "metadata": {
                        "gymloop_payment_id": str(payment_id),
                        "gymloop_purchase_id": str(purchase_id),
                        "studio_id": str(studio_id),
                    },
                },
                options={"idempotency_key": f"gymloop-purchase-{purchase_id}"},
            )
        except stripe.CardError as error:
            return ChargeOutcome(status="failed", payment_intent_id=None, failure=error.user_message or str(error))
        status = str(intent.status)
        if status == "succeeded":
            return ChargeOutcome(status="succeeded", payment_intent_id=str(intent.id))
        if status == "requires_payment_method":
            return ChargeOutcome(status="failed", payment_intent_id=str(intent.id), failure="payment declined")
        return ChargeOutcome(status="processing", payment_intent_id=str(intent.id))
