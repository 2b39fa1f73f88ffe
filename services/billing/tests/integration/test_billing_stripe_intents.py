"""A Stripe call interrupted after its intent was committed (here: Stripe unavailable at that moment) is made
again by the scheduler with the same key, once: the Stripe subscription of a started subscription, and the
charge of a purchase paid at once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import stripe
from gymloop_billing.service import shop, stripe_intents, stripe_subscriptions
from gymloop_billing.service.stripe_gateway import StripeGateway
from gymloop_kit.db import Database

from .conftest import StripeWatch, billing_settings

pytestmark = pytest.mark.integration

MONTHLY = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5900, "currency": "EUR", "period": "monthly"}


async def test_interrupted_stripe_calls_are_made_again_by_the_scheduler_once(
    watched_billing: str,
    stripe_watch: StripeWatch,
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
    card = await sdk.v1.payment_methods.create_async(
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    async with httpx.AsyncClient(base_url=watched_billing, timeout=60) as http:
        assert (await http.put("/billing-settings", json={"collection_method": "stripe"}, headers=admin)).is_success
        plan_id = (await http.post("/plans", json=MONTHLY, headers=admin)).json()["id"]
        product = await http.post("/products", json={"name": "Towel", "price_cents": 300}, headers=admin)
        member_id = await add_member(studio)
        method = await http.put(
            f"/members/{member_id}/stripe/payment-method",
            json={"type": "card", "payment_method": card.id},
            headers=admin,
        )
        assert method.status_code == 200, method.text
        customer_id = method.json()["stripe_customer_id"]

        stripe_watch.unavailable = {("POST", "/v1/subscriptions"), ("POST", "/v1/payment_intents")}
        started = await http.post(
            "/stripe/subscriptions",
            json={"member_id": str(member_id), "plan_id": plan_id, "start_date": date.today().isoformat()},
            headers=admin,
        )
        bought = await http.post(
            "/purchases", json={"member_id": str(member_id), "product_id": product.json()["id"]}, headers=admin
        )
        stripe_watch.unavailable = set()
    # both stand on our side, their Stripe halves pending
    assert (started.status_code, started.json()["stripe_subscription_id"]) == (201, None), started.text
    assert (bought.status_code, bought.json()["payment_status"]) == (201, "pending"), bought.text
    assert sorted(await sql("SELECT kind FROM stripe_intent WHERE done_at IS NULL AND studio_id = :s", s=studio)) == [
        ("purchase_charge",),
        ("subscription",),
    ]

    gateway = StripeGateway(
        billing_settings(make_settings, billing_url, private_kafka.bootstrap_servers, stripe_api_base=localstripe)
    )
    database = Database(billing_url)
    now = datetime.now(UTC)
    later = now + stripe_intents.PENDING_GRACE * 2
    try:
        # within the grace the request that committed them may still be making them: left alone
        assert await stripe_subscriptions.link_pending(database, gateway, now) == 0
        assert await shop.charge_pending(database, gateway, now) == 0
        assert await stripe_subscriptions.link_pending(database, gateway, later) == 1
        assert await shop.charge_pending(database, gateway, later) == 1
        # done: a further pass makes nothing again
        assert await stripe_subscriptions.link_pending(database, gateway, later) == 0
        assert await shop.charge_pending(database, gateway, later) == 0
    finally:
        await database.dispose()

    ((stripe_subscription_id,),) = await sql(
        "SELECT stripe_subscription_id FROM subscription WHERE id = :i", i=uuid.UUID(started.json()["id"])
    )
    assert stripe_subscription_id is not None
    in_stripe = await sdk.v1.subscriptions.list_async(params={"customer": customer_id})
    assert [s.id for s in in_stripe.data] == [stripe_subscription_id]
    assert (await sdk.v1.subscriptions.retrieve_async(stripe_subscription_id)).metadata["subscription_id"] == str(
        started.json()["id"]
    )
    assert await sql("SELECT status FROM payment WHERE id = :p", p=uuid.UUID(bought.json()["payment_id"])) == [
        ("succeeded",)
    ]
    charges = await sdk.v1.charges.list_async(params={"customer": customer_id})
    assert sorted((c.amount, c.status) for c in charges.data if c.amount == 300) == [(300, "succeeded")]
    assert await sql("SELECT count(*) FROM stripe_intent WHERE done_at IS NULL AND studio_id = :s", s=studio) == [(0,)]
