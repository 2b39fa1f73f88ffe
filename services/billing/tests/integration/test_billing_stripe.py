"""Stripe through the real SDK against localstripe (a process), and the webhook's guarantees."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
import stripe
from gymloop_contracts.events.billing import PaymentFailed, PaymentSucceeded
from gymloop_devstack.testing import EventProbe, error_fields

from .conftest import register_webhook, signed

pytestmark = pytest.mark.integration

PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5900, "currency": "EUR", "period": "monthly"}


def invoice_event(
    event_type: str,
    customer: str,
    invoice_id: str = "in_test_1",
    event_id: str | None = None,
    attempt_count: int | None = None,
) -> bytes:
    invoice: dict[str, Any] = {
        "id": invoice_id,
        "object": "invoice",
        "customer": customer,
        "subscription": None,
        "amount_due": 2500,
        "currency": "eur",
    }
    if attempt_count is not None:
        invoice["attempt_count"] = attempt_count
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": invoice},
        }
    ).encode()


async def test_subscription_invoice_paid_gives_payment_succeeded(
    served_billing: str, localstripe: str, private_kafka: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    sdk = stripe.StripeClient("sk_test_gymloop", base_addresses={"api": localstripe})
    await register_webhook(localstripe, served_billing)
    card = await sdk.tokens.create_async(
        params={"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
    )
    async with httpx.AsyncClient(base_url=served_billing, timeout=30) as http:
        assert (
            await http.put("/billing-settings", json={"collection_method": "stripe"}, headers=admin)
        ).status_code == 200
        plan_id = (await http.post("/plans", json=PLAN, headers=admin)).json()["id"]
        member_id = await add_member(studio)
        member = tokens.headers(studio_id=studio, role="member", member_id=member_id)
        async with EventProbe.for_events(private_kafka.bootstrap_servers, PaymentSucceeded) as probe:
            started = await http.post(
                "/stripe/subscriptions",
                json={
                    "member_id": str(member_id),
                    "plan_id": plan_id,
                    "start_date": "2026-11-22",
                    "payment_source": card.id,
                },
                headers=member,
            )
            assert started.status_code == 201, started.text
            assert started.json()["stripe_subscription_id"]
            events = await probe.wait_for(lambda evs: len(evs) >= 1, timeout_s=30, settle_s=1.0)
    (paid,) = events
    assert paid.payload["member_id"] == str(member_id)
    assert paid.payload["amount_cents"] == 5900
    assert paid.payload["subscription_id"] == started.json()["id"]
    assert paid.studio_id == studio
    assert await sql("SELECT status FROM payment WHERE member_id = :m", m=member_id) == [("succeeded",)]


async def test_forged_signature_is_rejected_and_changes_nothing(client: Any, sql: Any) -> None:
    body = invoice_event("invoice.payment_succeeded", "cus_forged")
    forged = await client.post("/stripe/webhook", content=body, headers=signed(body, secret="whsec_wrong"))
    assert forged.status_code == 400
    assert error_fields(forged)[0]["type"] == "webhook_signature_invalid"
    unsigned = await client.post("/stripe/webhook", content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 400
    tampered = await client.post("/stripe/webhook", content=body.replace(b"2500", b"1"), headers=signed(body))
    assert tampered.status_code == 400
    assert await sql("SELECT count(*) FROM stripe_event") == [(0,)]
    assert await sql("SELECT count(*) FROM payment") == [(0,)]


async def test_same_webhook_twice_has_one_effect_and_late_failure_is_ignored(
    client: Any, sql: Any, add_member: Any
) -> None:
    studio = uuid.uuid4()
    member_id = await add_member(studio)
    await sql(
        "INSERT INTO stripe_customer (member_id, studio_id, stripe_customer_id) VALUES (:m, :s, 'cus_dup')",
        m=member_id,
        s=studio,
    )
    body = invoice_event("invoice.payment_succeeded", "cus_dup", event_id="evt_dup_1")
    async with EventProbe.for_events(client.kafka, PaymentSucceeded, PaymentFailed) as probe:
        first = await client.post("/stripe/webhook", content=body, headers=signed(body))
        second = await client.post("/stripe/webhook", content=body, headers=signed(body))
        late_failure = invoice_event("invoice.payment_failed", "cus_dup", event_id="evt_dup_0")
        third = await client.post("/stripe/webhook", content=late_failure, headers=signed(late_failure))
        events = await probe.wait_for(lambda evs: len(evs) >= 1, settle_s=2.0)
    assert (first.status_code, first.json()["applied"]) == (200, True)
    assert (second.status_code, second.json()["applied"]) == (200, False)
    assert (third.status_code, third.json()["applied"]) == (200, False)
    assert [e.event_type for e in events] == ["PaymentSucceeded"]
    assert await sql("SELECT status, amount_cents FROM payment WHERE member_id = :m", m=member_id) == [
        ("succeeded", 2500)
    ]


async def test_failed_card_payment_is_retried_per_policy(client: Any, sql: Any, add_member: Any) -> None:
    studio = uuid.uuid4()
    member_id = await add_member(studio)
    await sql(
        "INSERT INTO stripe_customer (member_id, studio_id, stripe_customer_id) VALUES (:m, :s, 'cus_fail')",
        m=member_id,
        s=studio,
    )
    async with EventProbe.for_events(client.kafka, PaymentFailed) as probe:
        for attempt in range(4):
            body = invoice_event("invoice.payment_failed", "cus_fail", invoice_id="in_fail", event_id=f"evt_f{attempt}")
            assert (await client.post("/stripe/webhook", content=body, headers=signed(body))).json()["applied"]
        events = await probe.wait_for(lambda evs: len(evs) >= 4, settle_s=0.5)
    payloads = sorted((e.payload for e in events), key=lambda p: p["attempt"])
    assert [p["attempt"] for p in payloads] == [1, 2, 3, 4]
    assert [p["next_retry_on"] is not None for p in payloads] == [True, True, True, False]
    assert [p["overdue"] for p in payloads] == [False, False, False, True]
    assert payloads[-1]["may_book"] is False  # the studio did not allow overdue members to book
    assert await sql("SELECT state FROM member_payment_state WHERE member_id = :m", m=member_id) == [("overdue",)]


async def test_failure_webhook_of_an_attempt_already_counted_changes_nothing(
    client: Any, sql: Any, add_member: Any
) -> None:
    """The scheduler's retry records its own failed attempt; Stripe's webhook about that same attempt
    (same invoice attempt_count) must not count it twice."""
    studio = uuid.uuid4()
    member_id = await add_member(studio)
    await sql(
        "INSERT INTO stripe_customer (member_id, studio_id, stripe_customer_id) VALUES (:m, :s, 'cus_count')",
        m=member_id,
        s=studio,
    )
    answers = []
    for event_id, attempt_count in [("evt_c1", 1), ("evt_c1_again", 1), ("evt_c2", 2)]:
        body = invoice_event(
            "invoice.payment_failed", "cus_count", invoice_id="in_count", event_id=event_id, attempt_count=attempt_count
        )
        answers.append((await client.post("/stripe/webhook", content=body, headers=signed(body))).json()["applied"])
    assert answers == [True, False, True]
    assert await sql("SELECT attempts FROM payment WHERE stripe_invoice_id = 'in_count'") == [(2,)]
