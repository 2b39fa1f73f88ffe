"""iDEAL through the real SDK against our extended localstripe: the member is sent to a bank page that stands
in for their bank (`?success=true|false`), comes back to the return URL, and Stripe's webhook settles it."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
import stripe
from gymloop_contracts.events.billing import PaymentFailed, PaymentSucceeded, PurchaseRecorded
from gymloop_devstack.testing import EventProbe, error_fields

from .conftest import RETURN_URL, at_the_bank, signed, stripe_studio

pytestmark = pytest.mark.integration

PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5900, "currency": "EUR", "period": "monthly"}
DECLINED_CARD = "4000000000000341"  # localstripe: attaches, declined when charged


async def test_purchase_paid_by_ideal_at_the_bank_and_the_webhook_twice_has_one_effect(
    served_billing: str, localstripe: str, private_kafka: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    async with httpx.AsyncClient(base_url=served_billing, timeout=30) as http:
        await stripe_studio(http, localstripe, served_billing, admin)
        product = (
            await http.post("/products", json={"name": "Ten-ride card", "price_cents": 9900}, headers=admin)
        ).json()
        member_id = await add_member(studio)  # no Stripe payment method at all: iDEAL needs none
        body = {
            "purchase_id": str(uuid.uuid4()),
            "member_id": str(member_id),
            "product_id": product["id"],
            "pay_with": "ideal",
            "return_url": RETURN_URL,
            "ideal_bank": "ing",
        }
        async with EventProbe.for_events(
            private_kafka.bootstrap_servers, PurchaseRecorded, PaymentSucceeded, PaymentFailed
        ) as probe:
            bought = await http.post("/purchases", json=body, headers=admin)
            assert bought.status_code == 201, bought.text
            again = await http.post("/purchases", json=body, headers=admin)  # a redelivered request
            back = await at_the_bank(bought.json()["redirect_url"], approve=True)
            await probe.wait_for(lambda evs: len(evs) >= 2, timeout_s=30, settle_s=2.0)
        after = await http.post("/purchases", json=body, headers=admin)
    assert (bought.json()["settlement"], bought.json()["payment_status"]) == ("stripe", "pending")
    assert again.json() == bought.json()  # the same purchase and the same bank redirect
    assert back["redirect_status"] == ["succeeded"]
    assert sorted(e.event_type for e in probe.received if e.studio_id == studio) == [
        "PaymentSucceeded",
        "PurchaseRecorded",
    ]
    (paid,) = probe.of_type(PaymentSucceeded)
    assert paid.payload["payment_id"] == bought.json()["payment_id"]
    assert (paid.payload["method"], paid.payload["amount_cents"], paid.payload["currency"]) == (
        "stripe_ideal",
        9900,
        "EUR",
    )
    assert paid.payload["purchase_id"] == bought.json()["id"]
    assert (after.json()["payment_status"], after.json()["redirect_url"]) == ("succeeded", None)
    assert await sql("SELECT status, method FROM payment WHERE member_id = :m", m=member_id) == [
        ("succeeded", "stripe_ideal")
    ]

    # Stripe delivers the same event again (an at-least-once webhook): recorded once, applied once
    sdk = stripe.StripeClient("sk_test_gymloop", base_addresses={"api": localstripe})
    intent_id = back["payment_intent"][0]
    events = await sdk.v1.events.list_async(params={"type": "payment_intent.succeeded"})
    (event,) = [e for e in events.data if e.data.object["id"] == intent_id]
    payload = json.dumps(event.to_dict()).encode()
    async with (
        httpx.AsyncClient(base_url=served_billing, timeout=30) as http,
        EventProbe.for_events(private_kafka.bootstrap_servers, PaymentSucceeded) as replay_probe,
    ):
        replayed = await http.post("/stripe/webhook", content=payload, headers=signed(payload))
        await replay_probe.wait_for(lambda evs: True, settle_s=2.0)  # then watch 2 s for a second event
    assert (replayed.status_code, replayed.json()) == (200, {"event_id": event.id, "applied": False})
    # the probe reads the topic from its start: only the first PaymentSucceeded is there
    assert [e.event_id for e in replay_probe.received if e.studio_id == studio] == [paid.event_id]
    assert await sql("SELECT count(*) FROM stripe_event WHERE event_id = :e", e=event.id) == [(1,)]
    charges = await sdk.v1.charges.list_async()
    assert [c.amount for c in charges.data] == [9900]  # charged once


async def test_failed_fee_paid_by_ideal_after_the_bank_refused_once(
    served_billing: str, localstripe: str, private_kafka: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    """A subscription fee whose card was declined: the member pays it by iDEAL. A refusal at the bank leaves
    it failed as before (same attempt, same retry day); the approval pays it and Stripe's invoice is marked
    paid out of band, so Stripe does not collect it a second time."""
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    sdk = stripe.StripeClient("sk_test_gymloop", base_addresses={"api": localstripe})
    async with httpx.AsyncClient(base_url=served_billing, timeout=30) as http:
        await stripe_studio(http, localstripe, served_billing, admin)
        plan_id = (await http.post("/plans", json=PLAN, headers=admin)).json()["id"]
        member_id = await add_member(studio)
        member = tokens.headers(studio_id=studio, role="member", member_id=member_id)
        card = await sdk.v1.payment_methods.create_async(
            params={"type": "card", "card": {"number": DECLINED_CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
        )
        method = await http.put(
            f"/members/{member_id}/stripe/payment-method",
            json={"type": "card", "payment_method": card.id},
            headers=member,
        )
        assert method.status_code == 200, method.text
        started = await http.post(
            "/stripe/subscriptions",
            json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-11-22"},
            headers=admin,
        )
        assert started.status_code == 201, started.text
        subscription = await sdk.v1.subscriptions.retrieve_async(started.json()["stripe_subscription_id"])
        invoice_id = str(subscription.latest_invoice)
        # localstripe does not send the failure of a subscription's first invoice; Stripe does: this is it
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
                        "customer": method.json()["stripe_customer_id"],
                        "subscription": subscription.id,
                        "amount_due": 5900,
                        "currency": "eur",
                        "attempt_count": 1,
                    }
                },
            }
        ).encode()
        async with EventProbe.for_events(private_kafka.bootstrap_servers, PaymentSucceeded, PaymentFailed) as probe:
            assert (await http.post("/stripe/webhook", content=failure, headers=signed(failure))).json()["applied"]
            ((payment_id, next_retry_on),) = await sql(
                "SELECT id, next_retry_on FROM payment WHERE member_id = :m AND status = 'failed'", m=member_id
            )
            first = await http.post(f"/payments/{payment_id}/ideal", json={"return_url": RETURN_URL}, headers=member)
            assert first.status_code == 200, first.text
            assert first.json()["status"] == "pending"
            asked_again = await http.post(
                f"/payments/{payment_id}/ideal", json={"return_url": RETURN_URL}, headers=member
            )
            refused = await at_the_bank(first.json()["redirect_url"], approve=False)
            await probe.wait_for(lambda evs: len(evs) >= 2, timeout_s=30, settle_s=1.0)
            after_refusal = await sql(
                "SELECT status, method, attempts, next_retry_on FROM payment WHERE id = :p", p=payment_id
            )
            second = await http.post(
                f"/payments/{payment_id}/ideal", json={"return_url": RETURN_URL, "bank": "rabobank"}, headers=admin
            )
            assert second.status_code == 200, second.text
            approved = await at_the_bank(second.json()["redirect_url"], approve=True)
            await probe.wait_for(lambda evs: len(evs) >= 3, timeout_s=30, settle_s=2.0)
    assert asked_again.json()["redirect_url"] == first.json()["redirect_url"]  # one live iDEAL payment at a time
    assert second.json()["redirect_url"] != first.json()["redirect_url"]
    assert (refused["redirect_status"], approved["redirect_status"]) == (["failed"], ["succeeded"])
    assert after_refusal == [("failed", "stripe_card", 1, next_retry_on)]  # due as before, retried by card
    received = [(e.event_type, e.payload) for e in probe.received if e.studio_id == studio]
    assert sorted(event_type for event_type, _ in received) == ["PaymentFailed", "PaymentFailed", "PaymentSucceeded"]
    ((_, by_card),) = [(t, p) for t, p in received if p["method"] == "stripe_card"]
    ((_, failed),) = [(t, p) for t, p in received if t == "PaymentFailed" and p["method"] == "stripe_ideal"]
    ((_, paid),) = [(t, p) for t, p in received if t == "PaymentSucceeded"]
    assert (by_card["method"], by_card["attempt"]) == ("stripe_card", 1)
    assert (failed["method"], failed["attempt"], failed["overdue"]) == ("stripe_ideal", 1, False)
    assert failed["reason"].startswith("iDEAL payment failed")
    assert failed["next_retry_on"] == next_retry_on.isoformat()
    assert (paid["payment_id"], paid["method"], paid["amount_cents"]) == (str(payment_id), "stripe_ideal", 5900)
    assert (paid["subscription_id"], paid["purchase_id"]) == (started.json()["id"], None)
    assert await sql("SELECT status, method FROM payment WHERE id = :p", p=payment_id) == [
        ("succeeded", "stripe_ideal")
    ]
    assert await sql("SELECT state FROM member_payment_state WHERE member_id = :m", m=member_id) == [("ok",)]
    invoice = await sdk.v1.invoices.retrieve_async(invoice_id)
    assert (invoice.status, invoice["paid_out_of_band"]) == ("paid", True)  # Stripe will not collect it again


async def test_ideal_bad_input_forged_webhook_and_other_members_change_nothing(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    """Every check runs before Stripe is called (this app reaches no Stripe at all)."""
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    member_id, other = await add_member(studio), await add_member(studio)
    euros = (await client.post("/products", json={"name": "Shake", "price_cents": 350}, headers=admin)).json()
    dollars = (
        await client.post("/products", json={"name": "Cap", "price_cents": 1500, "currency": "USD"}, headers=admin)
    ).json()

    def ideal_purchase(product: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"member_id": str(member_id), "product_id": product["id"], "pay_with": "ideal", **extra}

    sepa_studio = await client.post("/purchases", json=ideal_purchase(euros, return_url=RETURN_URL), headers=admin)
    assert (sepa_studio.status_code, error_fields(sepa_studio)[0]["type"]) == (422, "not_stripe")
    assert (
        await client.put("/billing-settings", json={"collection_method": "stripe"}, headers=admin)
    ).status_code == 200
    outbox_before = await sql("SELECT count(*) FROM outbox")  # the settings may announce themselves
    refusals = {
        "ideal_currency": ideal_purchase(dollars, return_url=RETURN_URL),
        "return_url_invalid": ideal_purchase(euros),
        "ideal_bank_unknown": ideal_purchase(euros, return_url=RETURN_URL, ideal_bank="piggy_bank"),
    }
    for code, body in refusals.items():
        answer = await client.post("/purchases", json=body, headers=admin)
        assert (answer.status_code, error_fields(answer)[0]["type"]) == (422, code), answer.text
    assert await sql("SELECT count(*) FROM purchase WHERE studio_id = :s", s=studio) == [(0,)]

    # a pending iDEAL payment and payments that are not due
    pending, paid, foreign = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for payment_id, owner, status, intent in (
        (pending, member_id, "pending", "pi_pending_ideal"),
        (paid, member_id, "succeeded", None),
        (foreign, other, "failed", None),
    ):
        await sql(
            "INSERT INTO payment (id, studio_id, member_id, amount_cents, currency, method, status, attempts, "
            "stripe_payment_intent_id) VALUES (:p, :s, :m, 2500, 'EUR', 'stripe_ideal', :st, 0, :pi)",
            p=payment_id,
            s=studio,
            m=owner,
            st=status,
            pi=intent,
        )
    member = tokens.headers(studio_id=studio, role="member", member_id=member_id)
    settled = await client.post(f"/payments/{paid}/ideal", json={"return_url": RETURN_URL}, headers=member)
    assert (settled.status_code, error_fields(settled)[0]["type"]) == (422, "payment_settled")
    not_theirs = await client.post(f"/payments/{foreign}/ideal", json={"return_url": RETURN_URL}, headers=member)
    assert not_theirs.status_code == 404
    other_studio = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    assert (
        await client.post(f"/payments/{paid}/ideal", json={"return_url": RETURN_URL}, headers=other_studio)
    ).status_code == 404

    forged = json.dumps(
        {
            "id": "evt_forged_ideal",
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "data": {
                "object": {
                    "id": "pi_pending_ideal",
                    "object": "payment_intent",
                    "metadata": {"gymloop_payment_id": str(pending)},
                }
            },
        }
    ).encode()
    answer = await client.post("/stripe/webhook", content=forged, headers=signed(forged, secret="whsec_forged"))
    assert (answer.status_code, error_fields(answer)[0]["type"]) == (400, "webhook_signature_invalid")
    assert await sql("SELECT status FROM payment WHERE id = :p", p=pending) == [("pending",)]
    assert await sql("SELECT count(*) FROM stripe_event") == [(0,)]
    assert await sql("SELECT count(*) FROM outbox") == outbox_before  # no event from the refusals either
