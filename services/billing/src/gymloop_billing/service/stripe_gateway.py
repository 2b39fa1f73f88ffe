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

from gymloop_billing.domain.stripe_payment_methods import MandateAcceptance
from gymloop_billing.settings import BillingSettings

# Stripe did not answer, or answered that it cannot now: the same call may be made later with the same key
STRIPE_UNAVAILABLE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


@dataclass(frozen=True)
class ChargeOutcome:
    """What Stripe answered at once: `succeeded`, `failed` (declined now) or `processing` (SEPA debit:
    the answer comes later by webhook)."""

    status: str
    payment_intent_id: str | None
    failure: str | None = None


@dataclass(frozen=True)
class SepaDebitRegistration:
    payment_method_id: str
    mandate_id: str | None  # Stripe's Mandate (the member's acceptance), made by the confirmed SetupIntent


@dataclass(frozen=True)
class IdealRedirect:
    """An iDEAL PaymentIntent: `redirect_url` is the member's bank while it is `requires_action`."""

    payment_intent_id: str
    status: str
    redirect_url: str | None


def mandate_data(acceptance: MandateAcceptance) -> dict[str, Any]:
    """Stripe's `mandate_data`: online acceptance carries the member's IP address and browser."""
    if not acceptance.online:
        return {"customer_acceptance": {"type": "offline"}}
    online = {"ip_address": acceptance.ip_address, "user_agent": acceptance.user_agent}
    return {"customer_acceptance": {"type": "online", "online": online}}


def _redirect_of(intent: Any) -> IdealRedirect:
    next_action = getattr(intent, "next_action", None)
    redirect = getattr(next_action, "redirect_to_url", None) if next_action is not None else None
    url = getattr(redirect, "url", None) if redirect is not None else None
    return IdealRedirect(payment_intent_id=str(intent.id), status=str(intent.status), redirect_url=url)


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

    async def retry_invoice(self, invoice_id: str, *, idempotency_key: str) -> bool:
        """Pay the open invoice again; True when it is paid. The caller's key names the payment and the
        attempt, so a retry repeated after a crash does not charge twice."""
        try:
            invoice = await self.client.v1.invoices.pay_async(invoice_id, options={"idempotency_key": idempotency_key})
        except stripe.CardError:
            return False
        except stripe.InvalidRequestError:
            # e.g. "already paid" (the member paid in between, the webhook is on its way): ask for the truth
            invoice = await self.client.v1.invoices.retrieve_async(invoice_id)
        # localstripe answers a declined retry with the still-open invoice instead of a card error
        return invoice.status == "paid"

    async def register_sepa_debit(
        self,
        *,
        member_id: uuid.UUID,
        customer_id: str,
        iban: str,
        account_holder: str,
        email: str,
        acceptance: MandateAcceptance,
    ) -> SepaDebitRegistration:
        """Create a sepa_debit PaymentMethod, set it up for off-session debits with the member's mandate
        acceptance (a SetupIntent confirmed with `mandate_data`: Stripe refuses to debit an IBAN without a
        mandate, and the SetupIntent attaches the method to the customer), then make it the default for
        invoices. Later debits (invoices, purchases) use that mandate. The keys name the member and the IBAN
        (and the acceptance): the same request again makes no second method."""
        method = await self.client.v1.payment_methods.create_async(
            params={
                "type": "sepa_debit",
                "sepa_debit": {"iban": iban},
                "billing_details": {"name": account_holder, "email": email},
                "metadata": {"member_id": str(member_id)},
            },
            options={"idempotency_key": f"gymloop-sepa-{member_id}-{sha256(iban.encode()).hexdigest()[:16]}"},
        )
        data = mandate_data(acceptance)
        params: dict[str, Any] = {
            "customer": customer_id,
            "payment_method": str(method.id),
            "allowed_payment_method_types": ["sepa_debit"],
            "usage": "off_session",
            "confirm": True,
            "mandate_data": data,
            "metadata": {"member_id": str(member_id)},
        }
        acceptance_key = sha256(repr(data).encode()).hexdigest()[:16]
        setup = await self.client.v1.setup_intents.create_async(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": f"gymloop-sepa-setup-{method.id}-{acceptance_key}"},
        )
        await self._set_default(customer_id, str(method.id))
        mandate = getattr(setup, "mandate", None)
        return SepaDebitRegistration(payment_method_id=str(method.id), mandate_id=str(mandate) if mandate else None)

    async def make_default(self, *, customer_id: str, payment_method_id: str) -> str:
        """A card made by Stripe.js: attach it and make it the default for invoices."""
        await self.client.v1.payment_methods.attach_async(payment_method_id, params={"customer": customer_id})
        await self._set_default(customer_id, payment_method_id)
        return payment_method_id

    async def _set_default(self, customer_id: str, payment_method_id: str) -> None:
        await self.client.v1.customers.update_async(
            customer_id, params={"invoice_settings": {"default_payment_method": payment_method_id}}
        )

    async def charge_now(
        self,
        *,
        payment_id: uuid.UUID,
        purchase_id: uuid.UUID,
        studio_id: uuid.UUID,
        customer_id: str,
        payment_method_id: str,
        payment_method_type: str,
        amount_cents: int,
        currency: str,
    ) -> ChargeOutcome:
        """Charge a shop purchase at once (off-session PaymentIntent on the member's default method).
        The key is derived from the purchase id: a repeated request is the same charge for Stripe."""
        outcome = await self._confirm_off_session(
            customer_id=customer_id,
            payment_method_id=payment_method_id,
            payment_method_type=payment_method_type,
            amount_cents=amount_cents,
            currency=currency,
            metadata={
                "gymloop_payment_id": str(payment_id),
                "gymloop_purchase_id": str(purchase_id),
                "studio_id": str(studio_id),
            },
            idempotency_key=f"gymloop-purchase-{purchase_id}",
        )
        if outcome.status in ("succeeded", "failed"):
            return outcome
        return ChargeOutcome(status="processing", payment_intent_id=outcome.payment_intent_id)

    async def charge_pack(
        self,
        *,
        payment_id: uuid.UUID,
        studio_id: uuid.UUID,
        customer_id: str,
        payment_method_id: str,
        payment_method_type: str,
        amount_cents: int,
        currency: str,
    ) -> ChargeOutcome:
        """Charge a session pack the member bought in the app on their default method, confirmed now (the member
        is present). The key is derived from our payment id: a repeated request is the same charge for Stripe.
        The outcome that grants the pack is the webhook's; this answer only tells a decline at once."""
        return await self._confirm_off_session(
            customer_id=customer_id,
            payment_method_id=payment_method_id,
            payment_method_type=payment_method_type,
            amount_cents=amount_cents,
            currency=currency,
            metadata={"gymloop_payment_id": str(payment_id), "studio_id": str(studio_id)},
            idempotency_key=f"gymloop-pack-{payment_id}",
        )

    async def _confirm_off_session(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        payment_method_type: str,
        amount_cents: int,
        currency: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> ChargeOutcome:
        """A PaymentIntent on the customer's method, confirmed now; a decline is `failed`, any other state is
        Stripe's own (`succeeded`, `processing`, ...)."""
        try:
            intent = await self.client.v1.payment_intents.create_async(
                params={
                    "amount": amount_cents,
                    "currency": currency.lower(),
                    "customer": customer_id,
                    "payment_method": payment_method_id,
                    "allowed_payment_method_types": [payment_method_type],
                    "confirm": True,
                    "off_session": True,  # a SEPA debit uses the mandate of the method's SetupIntent
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as error:
            return ChargeOutcome(status="failed", payment_intent_id=None, failure=error.user_message or str(error))
        status = str(intent.status)
        if status == "requires_payment_method":
            return ChargeOutcome(status="failed", payment_intent_id=str(intent.id), failure="payment declined")
        return ChargeOutcome(status=status, payment_intent_id=str(intent.id))

    async def start_ideal_payment(
        self,
        *,
        payment_id: uuid.UUID,
        purchase_id: uuid.UUID | None,
        studio_id: uuid.UUID,
        customer_id: str | None,
        amount_cents: int,
        currency: str,
        return_url: str,
        bank: str | None,
        attempt: str,
    ) -> IdealRedirect:
        """An iDEAL PaymentIntent confirmed at once with the member's `return_url`: Stripe answers
        `requires_action` with the bank's redirect URL; the outcome comes by webhook (our payment id is in the
        metadata). The key names the payment and the caller's `attempt`: a member may try again after a failed
        or abandoned attempt (a new attempt), a repeated request is the same intent (the same attempt)."""
        method_data: dict[str, Any] = {"type": "ideal"}
        if bank:
            method_data["ideal"] = {"bank": bank}
        metadata = {"gymloop_payment_id": str(payment_id), "studio_id": str(studio_id)}
        if purchase_id is not None:
            metadata["gymloop_purchase_id"] = str(purchase_id)
        params: dict[str, Any] = {
            "amount": amount_cents,
            "currency": currency.lower(),
            "allowed_payment_method_types": ["ideal"],
            "payment_method_data": method_data,
            "confirm": True,
            "return_url": return_url,
            "metadata": metadata,
        }
        if customer_id:
            params["customer"] = customer_id
        intent = await self.client.v1.payment_intents.create_async(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": f"gymloop-ideal-{payment_id}-{attempt}"},
        )
        return _redirect_of(intent)

    async def ideal_redirect(self, payment_intent_id: str) -> IdealRedirect:
        return _redirect_of(await self.client.v1.payment_intents.retrieve_async(payment_intent_id))

    async def mark_invoice_paid_out_of_band(self, *, invoice_id: str, payment_id: uuid.UUID) -> bool:
        """The invoice's amount was paid by a separate iDEAL payment: Stripe must stop collecting it. False when
        Stripe had already collected it (then the member paid twice: staff refund one)."""
        try:
            await self.client.v1.invoices.pay_async(
                invoice_id, params={"paid_out_of_band": True}, options={"idempotency_key": f"gymloop-oob-{payment_id}"}
            )
            return True
        except stripe.InvalidRequestError:
            invoice = await self.client.v1.invoices.retrieve_async(invoice_id)
            if invoice.status == "paid":
                return bool(getattr(invoice, "paid_out_of_band", False))
            raise
