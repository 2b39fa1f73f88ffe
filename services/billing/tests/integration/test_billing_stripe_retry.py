"""The scheduler's Stripe retrier (`StripeGateway.retry_invoice`, `invoices.pay`) against localstripe: a
failed subscription fee retried on the same declining card fails again; once the member has replaced the
card, the next retry pays the invoice."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import stripe
from gymloop_billing.service.scheduler import run_due_work
from gymloop_billing.service.stripe_gateway import StripeGateway
from gymloop_contracts.events.billing import PaymentFailed, PaymentSucceeded
from gymloop_devstack.testing import EventProbe
from gymloop_kit.db import Database

from .conftest import billing_settings, signed, stripe_studio

pytestmark = pytest.mark.integration


def noon_utc(day: date) -> datetime:
    """An instant on `day` in a studio without a known zone (billing's days are then UTC days)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5900, "currency": "EUR", "period": "monthly"}


async def test_failed_stripe_payment_retried_fails_on_the_declining_card_then_succeeds_on_a_new_one(
    served_billing: str,
    localstripe: str,
    billing_url: str,
    make_settings: Any,
    private_kafka: Any,
    tokens: Any,
    add_member: Any,
    sql: Any,
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    sdk = stripe.StripeClient("sk_test_gymloop", base_addresses={"api": localstripe})

    async def card(number: str) -> str:
        method = await sdk.v1.payment_methods.create_async(
            params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
        )
        return str(method.id)

    async with httpx.AsyncClient(base_url=served_billing, timeout=30) as http:
        # with the webhook registered: localstripe's success webhook must not count the payment twice
        await stripe_studio(http, localstripe, served_billing, admin)
        plan_id = (await http.post("/plans", json=PLAN, headers=admin)).json()["id"]
        member_id = await add_member(studio)
        method_url = f"/members/{member_id}/stripe/payment-method"
        declining = await http.put(
            method_url, json={"type": "card", "payment_method": await card("4000000000000341")}, headers=admin
        )
        assert declining.status_code == 200, declining.text
        started = await http.post(
            "/stripe/subscriptions",
            json={"member_id": str(member_id), "plan_id": plan_id, "start_date": date.today().isoformat()},
            headers=admin,
        )
        assert started.status_code == 201, started.text
        subscription = await sdk.v1.subscriptions.retrieve_async(started.json()["stripe_subscription_id"])
        invoice_id = str(subscription.latest_invoice)
        assert (await sdk.v1.invoices.retrieve_async(invoice_id)).status == "open"  # the first charge was declined
        # localstripe does not send that failure; Stripe does (attempt 1): billing records the failed payment
        failure = json.dumps(
            {
                "id": f"evt_{uuid.uuid4().hex}",
                "object": "event",
                "type": "invoice.payment_failed",
                "created": int(time.time()),
                "data": {
                    "object": {
                        "id": invoice_id,
                        "object": "invoice",
                        "customer": declining.json()["stripe_customer_id"],
                        "subscription": subscription.id,
                        "amount_due": 5900,
                        "currency": "eur",
                        "attempt_count": 1,
                    }
                },
            }
        ).encode()
        assert (await http.post("/stripe/webhook", content=failure, headers=signed(failure))).json()["applied"]
        ((payment_id, first_retry_on),) = await sql(
            "SELECT id, next_retry_on FROM payment WHERE member_id = :m", m=member_id
        )

        retrier = StripeGateway(
            billing_settings(make_settings, billing_url, private_kafka.bootstrap_servers, stripe_api_base=localstripe)
        )
        database = Database(billing_url)
        try:
            async with EventProbe.for_events(private_kafka.bootstrap_servers, PaymentFailed, PaymentSucceeded) as probe:
                declined_again = await run_due_work(database, noon_utc(first_retry_on), retrier=retrier)
                ((attempts, second_retry_on),) = await sql(
                    "SELECT attempts, next_retry_on FROM payment WHERE id = :p", p=payment_id
                )
                replaced = await http.put(
                    method_url, json={"type": "card", "payment_method": await card("4242424242424242")}, headers=admin
                )
                assert replaced.status_code == 200, replaced.text
                paid = await run_due_work(database, noon_utc(second_retry_on), retrier=retrier)
                # the same day again: nothing left to retry
                nothing = await run_due_work(database, noon_utc(second_retry_on), retrier=retrier)
                await probe.wait_for(lambda evs: len(evs) >= 3, timeout_s=30, settle_s=2.5)  # + Stripe's webhook
        finally:
            await database.dispose()
    assert (declined_again.retried, declined_again.retries_succeeded) == (1, 0)
    assert (attempts, second_retry_on > first_retry_on) == (2, True)
    assert (paid.retried, paid.retries_succeeded, nothing.retried) == (1, 1, 0)
    received = [(e.event_type, e.payload) for e in probe.received if e.studio_id == studio]
    assert sorted((t, p.get("attempt") or 0) for t, p in received) == [
        ("PaymentFailed", 1),  # the webhook above
        ("PaymentFailed", 2),  # the retry on the declining card
        ("PaymentSucceeded", 0),  # the retry on the new card; Stripe's invoice webhook adds nothing
    ]
    (succeeded,) = [p for t, p in received if t == "PaymentSucceeded"]
    assert (succeeded["payment_id"], succeeded["method"], succeeded["amount_cents"]) == (
        str(payment_id),
        "stripe_card",
        5900,
    )
    assert await sql("SELECT status, next_retry_on FROM payment WHERE id = :p", p=payment_id) == [("succeeded", None)]
    assert await sql("SELECT state, failed_attempts FROM member_payment_state WHERE member_id = :m", m=member_id) == [
        ("ok", 0)
    ]
    assert (await sdk.v1.invoices.retrieve_async(invoice_id)).status == "paid"
    charges = await sdk.v1.charges.list_async(params={"customer": declining.json()["stripe_customer_id"]})
    assert sorted((c.amount, c.status) for c in charges.data) == [(5900, "failed")] * 2 + [(5900, "succeeded")]
