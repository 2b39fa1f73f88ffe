"""No network call while holding database locks: every Stripe request of billing (routes and the scheduler)
happens with no billing transaction open, and one studio's failing due work holds back no other studio."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import stripe
from gymloop_billing.app import create_app
from gymloop_billing.service.scheduler import run_due_work
from gymloop_billing.service.stripe_gateway import StripeGateway
from gymloop_devstack.testing import eventually, service_client
from gymloop_kit.db import Database

from .conftest import RETURN_URL, StripeWatch, at_the_bank, billing_settings, register_webhook

pytestmark = pytest.mark.integration

MONTHLY = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5900, "currency": "EUR", "period": "monthly"}
DECLINED_ON_CHARGE = "4000000000000341"  # attaches, then every charge is declined


async def test_no_stripe_request_is_made_while_a_billing_transaction_is_open(
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
        params={"type": "card", "card": {"number": DECLINED_ON_CHARGE, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    async with httpx.AsyncClient(base_url=watched_billing, timeout=30) as http:
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
        started = await http.post(
            "/stripe/subscriptions",
            json={"member_id": str(member_id), "plan_id": plan_id, "start_date": date.today().isoformat()},
            headers=admin,
        )
        assert started.status_code == 201, started.text
        bought = {"member_id": str(member_id), "product_id": product.json()["id"]}
        declined = await http.post("/purchases", json=bought, headers=admin)
        assert (declined.status_code, declined.json()["payment_status"]) == (201, "failed"), declined.text
        ideal = {**bought, "pay_with": "ideal", "return_url": RETURN_URL}
        by_bank = await http.post("/purchases", json=ideal, headers=admin)
        assert (by_bank.status_code, by_bank.json()["payment_status"]) == (201, "pending"), by_bank.text
        assert by_bank.json()["redirect_url"]
        again = await http.post(
            f"/payments/{declined.json()['payment_id']}/ideal",
            json={"return_url": RETURN_URL},
            headers=admin,
        )
        assert again.status_code == 200, again.text
    assert stripe_watch.calls
    assert stripe_watch.inside_transactions() == []  # the routes' calls

    # the subscription's first invoice was declined: a failed payment the scheduler retries through Stripe
    invoice_id = str(
        (await sdk.v1.subscriptions.retrieve_async(started.json()["stripe_subscription_id"])).latest_invoice
    )
    retry_on = date.today() + timedelta(days=3)
    await sql(
        "INSERT INTO payment (id, studio_id, member_id, amount_cents, currency, method, status, attempts, "
        "next_retry_on, stripe_invoice_id) VALUES (:id, :s, :m, 5900, 'EUR', 'stripe_card', 'failed', 1, :r, :i)",
        id=uuid.uuid4(),
        s=studio,
        m=member_id,
        r=retry_on,
        i=invoice_id,
    )
    retrier = StripeGateway(
        billing_settings(make_settings, billing_url, private_kafka.bootstrap_servers, stripe_api_base=stripe_watch.url)
    )
    database = Database(billing_url)
    try:
        report = await run_due_work(
            database, datetime(retry_on.year, retry_on.month, retry_on.day, 12, tzinfo=UTC), retrier=retrier
        )
    finally:
        await database.dispose()
    assert (report.retried, report.retries_succeeded) == (1, 0)
    assert stripe_watch.inside_transactions() == []  # and the scheduler's retry

    # the fee paid by iDEAL: Stripe's webhook marks the invoice paid out of band, with no transaction open
    await register_webhook(localstripe, watched_billing)
    async with httpx.AsyncClient(base_url=watched_billing, timeout=30) as http:
        (fee_payment,) = await sql("SELECT id FROM payment WHERE stripe_invoice_id = :i", i=invoice_id)
        by_ideal = await http.post(f"/payments/{fee_payment[0]}/ideal", json={"return_url": RETURN_URL}, headers=admin)
        assert by_ideal.status_code == 200, by_ideal.text
        await at_the_bank(by_ideal.json()["redirect_url"], approve=True)

        async def fee_paid() -> bool:
            return await sql("SELECT status FROM payment WHERE id = :p", p=fee_payment[0]) == [("succeeded",)]

        await eventually(fee_paid, timeout_s=20)
    assert (await sdk.v1.invoices.retrieve_async(invoice_id))["paid_out_of_band"] is True
    invoice_paid = [call for call in stripe_watch.calls if call.path == f"/v1/invoices/{invoice_id}/pay"]
    assert len(invoice_paid) == 2  # the scheduler's retry, then the webhook's out-of-band settlement
    assert stripe_watch.inside_transactions() == []

    called = {(call.method, call.path.split("/")[2]) for call in stripe_watch.calls}
    assert {
        ("POST", "customers"),
        ("POST", "payment_methods"),
        ("GET", "plans"),
        ("POST", "subscriptions"),
        ("POST", "payment_intents"),
        ("POST", "invoices"),
    } <= called


async def test_a_studio_whose_due_work_fails_does_not_hold_back_the_other_studios(
    billing_url: str, make_settings: Any, private_kafka: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    settings = billing_settings(
        make_settings,
        billing_url,
        private_kafka.bootstrap_servers,
        consumer_enabled=False,
        scheduler_enabled=True,
        scheduler_interval_s=0.2,
    )
    today = datetime.now(UTC).date()
    start = date(today.year - 1, today.month, 1)
    broken, healthy = uuid.uuid4(), uuid.uuid4()
    # a subscription whose plan is gone (bad data): its studio's renewals fail on every pass
    await sql(
        "INSERT INTO subscription (id, studio_id, member_id, plan_id, start_date, period_start, valid_until, status, "
        "paused_periods, sequence) VALUES (:id, :s, :m, :p, :d, :d, :u, 'active', '[]', 1)",
        id=uuid.uuid4(),
        s=broken,
        m=await add_member(broken),
        p=uuid.uuid4(),
        d=start,
        u=start + timedelta(days=30),
    )
    admin = tokens.headers(studio_id=healthy, role="admin")
    async with service_client(create_app(settings)) as http:
        plan_id = (await http.post("/plans", json=MONTHLY, headers=admin)).json()["id"]
        member_id = await add_member(healthy, start_date=start)
        body = {"member_id": str(member_id), "plan_id": plan_id, "start_date": start.isoformat()}
        subscription = await http.post("/subscriptions", json=body, headers=admin)
        assert subscription.status_code == 201, subscription.text

        async def healthy_studio_caught_up() -> bool:
            rows = await sql(
                "SELECT valid_until FROM subscription WHERE id = :i", i=uuid.UUID(subscription.json()["id"])
            )
            return bool(rows[0][0] >= today)

        await eventually(healthy_studio_caught_up, timeout_s=20)
    renewed = await sql(
        "SELECT count(*) FROM outbox WHERE envelope->>'event_type' = 'SubscriptionRenewed' "
        "AND envelope->>'studio_id' = :s",
        s=str(healthy),
    )
    assert renewed == [(12,)]
    assert await sql("SELECT valid_until FROM subscription WHERE studio_id = :s", s=broken) == [
        (start + timedelta(days=30),)
    ]
