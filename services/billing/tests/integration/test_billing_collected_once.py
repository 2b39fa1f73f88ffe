"""A subscription fee is collected once, whatever the method: a period paid through Stripe is not debited again
by the SEPA payment run after the studio switches from Stripe to SEPA export."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
import stripe
from gymloop_billing.domain.collection_dates import earliest_collection_date
from gymloop_devstack.testing import eventually

from .conftest import signed, stripe_studio

pytestmark = pytest.mark.integration

PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5900, "currency": "EUR", "period": "monthly"}
SEPA = {
    "collection_method": "sepa_export",
    "creditor_name": "Sportschool Zoe",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}


async def test_a_period_paid_through_stripe_is_not_in_the_sepa_run_after_the_switch(
    served_billing: str, localstripe: str, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    sdk = stripe.StripeClient("sk_test_gymloop", base_addresses={"api": localstripe})
    card = await sdk.v1.tokens.create_async(
        params={"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
    )
    start = date.today().replace(day=1).isoformat()
    async with httpx.AsyncClient(base_url=served_billing, timeout=30) as http:
        await stripe_studio(http, localstripe, served_billing, admin)
        plan_id = (await http.post("/plans", json=PLAN, headers=admin)).json()["id"]
        stripe_payer, sepa_payer = await add_member(studio), await add_member(studio)
        started = await http.post(
            "/stripe/subscriptions",
            json={"member_id": str(stripe_payer), "plan_id": plan_id, "start_date": start, "payment_source": card.id},
            headers=admin,
        )
        assert started.status_code == 201, started.text

        async def paid_through_stripe() -> bool:
            paid = "SELECT status FROM payment WHERE member_id = :m AND stripe_invoice_id IS NOT NULL"
            return bool(await sql(paid, m=stripe_payer) == [("succeeded",)])

        await eventually(paid_through_stripe, timeout_s=30)

        switched = await http.put("/billing-settings", json=SEPA, headers=admin)
        assert switched.status_code == 200, switched.text
        later = await http.post(
            "/subscriptions",
            json={"member_id": str(sepa_payer), "plan_id": plan_id, "start_date": start},
            headers=admin,
        )
        assert later.status_code == 201, later.text
        for n, member_id in enumerate((stripe_payer, sepa_payer)):
            mandate = await http.put(
                f"/members/{member_id}/mandate",
                json={
                    "mandate_reference": f"GL-SWITCH-{n}",
                    "iban": "DE89370400440532013000",
                    "account_holder": "Anna de Vries",
                    "signed_on": "2026-01-05",
                },
                headers=admin,
            )
            assert mandate.status_code == 200, mandate.text
        run = await http.post(
            "/payment-runs",
            json={"collection_date": earliest_collection_date(date.today()).isoformat(), "period_label": start[:7]},
            headers=admin,
        )

    assert run.status_code == 201, run.text
    assert (run.json()["item_count"], run.json()["total_cents"]) == (1, 5900)  # the SEPA member only
    debited = await sql("SELECT member_id FROM payment WHERE payment_run_id = :r", r=uuid.UUID(run.json()["id"]))
    assert debited == [(sepa_payer,)]
    # each fee taken by exactly one payment: the Stripe invoice's, or the run's
    taken = await sql(
        "SELECT c.member_id, p.method FROM charge c JOIN payment p ON p.id = c.payment_id WHERE c.studio_id = :s",
        s=studio,
    )
    assert sorted(taken) == sorted([(stripe_payer, "stripe_card"), (sepa_payer, "sepa_export")])


async def test_an_invoice_of_the_current_api_version_takes_its_subscriptions_fee(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    """Stripe's current API names the subscription under `parent.subscription_details` (no top-level
    `subscription`), with our metadata: the first invoice may come before we kept the Stripe subscription's id,
    and still takes its subscription's fee."""
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    plan_id = (await client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    member_id = await add_member(studio)
    started = await client.post(
        "/subscriptions",
        json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-11-01"},
        headers=admin,
    )
    assert started.status_code == 201, started.text
    subscription_id = started.json()["id"]
    invoice = {
        "id": f"in_{member_id.hex[:12]}",
        "object": "invoice",
        "customer": "cus_not_kept_yet",
        "amount_due": 5900,
        "currency": "eur",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": "sub_not_kept_yet",
                "metadata": {"studio_id": str(studio), "member_id": str(member_id), "subscription_id": subscription_id},
            },
        },
    }
    body = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": "invoice.payment_succeeded",
            "created": int(time.time()),
            "data": {"object": invoice},
        }
    ).encode()

    answer = await client.post("/stripe/webhook", content=body, headers=signed(body))

    assert (answer.status_code, answer.json()["applied"]) == (200, True), answer.text
    (payment_id, paid_subscription, status) = (
        await sql("SELECT id, subscription_id, status FROM payment WHERE member_id = :m", m=member_id)
    )[0]
    assert (str(paid_subscription), status) == (subscription_id, "succeeded")
    assert await sql("SELECT payment_id FROM charge WHERE member_id = :m", m=member_id) == [(payment_id,)]
