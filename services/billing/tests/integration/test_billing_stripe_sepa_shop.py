"""SEPA debit and shop purchases paid at once through Stripe: the real SDK against localstripe.

localstripe settles a SEPA debit about 0.5 s after the charge (like Stripe, later) and declines the IBAN
DE62370400440532013001; its card 4000000000000341 attaches but is declined when charged. Our localstripe
extension refuses a SEPA debit without a mandate, as Stripe does (see gymloop_devstack.localstripe_server)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
import stripe
from gymloop_contracts.events.billing import PaymentFailed, PaymentSucceeded, PurchaseRecorded
from gymloop_devstack.testing import EventProbe, error_fields

from .conftest import stripe_studio

pytestmark = pytest.mark.integration

PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5900, "currency": "EUR", "period": "monthly"}
GOOD_IBAN = "DE89 3704 0044 0532 0130 00"
DECLINED_IBAN = "DE62370400440532013001"  # localstripe's failing SEPA debit


MEMBER_BROWSER = {"User-Agent": "Mozilla/5.0 (gymloop member app)", "X-Forwarded-For": "203.0.113.7"}


async def sepa_debit(http: httpx.AsyncClient, member_id: uuid.UUID, headers: dict[str, str], iban: str) -> Any:
    return await http.put(
        f"/members/{member_id}/stripe/payment-method",
        json={"type": "sepa_debit", "iban": iban, "account_holder": "Anna de Vries"},
        headers=headers,
    )


async def test_sepa_debit_subscription_paid_and_declined(
    served_billing: str, localstripe: str, private_kafka: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    async with httpx.AsyncClient(base_url=served_billing, timeout=30) as http:
        await stripe_studio(http, localstripe, served_billing, admin)
        plan_id = (await http.post("/plans", json=PLAN, headers=admin)).json()["id"]
        payer, decliner = await add_member(studio), await add_member(studio)
        own = tokens.headers(studio_id=studio, role="member", member_id=payer)
        registered = await sepa_debit(http, payer, {**own, **MEMBER_BROWSER}, GOOD_IBAN)  # the member themself
        assert registered.status_code == 200, registered.text
        assert registered.json()["payment_method_type"] == "sepa_debit"
        assert registered.json()["payment_method_id"].startswith("pm_")
        by_staff = await sepa_debit(http, decliner, admin, DECLINED_IBAN)
        assert by_staff.status_code == 200, by_staff.text
        async with EventProbe.for_events(private_kafka.bootstrap_servers, PaymentSucceeded, PaymentFailed) as probe:
            started = {}
            for member_id in (payer, decliner):
                answer = await http.post(
                    "/stripe/subscriptions",
                    json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-11-22"},
                    headers=admin,
                )
                assert answer.status_code == 201, answer.text
                started[member_id] = answer.json()["id"]
            events = await probe.wait_for(lambda evs: len(evs) >= 2, timeout_s=30, settle_s=1.5)
    assert len(events) == 2
    (paid,) = probe.of_type(PaymentSucceeded)
    (failed,) = probe.of_type(PaymentFailed)
    assert (paid.payload["member_id"], paid.payload["method"]) == (str(payer), "stripe_sepa_debit")
    assert paid.payload["amount_cents"] == 5900
    assert paid.payload["subscription_id"] == started[payer]
    assert paid.payload["purchase_id"] is None  # a subscription fee, not a purchase
    assert (failed.payload["member_id"], failed.payload["method"]) == (str(decliner), "stripe_sepa_debit")
    assert failed.payload["attempt"] == 1
    assert failed.payload["next_retry_on"] is not None
    assert await sql("SELECT status, method FROM payment WHERE member_id = :m", m=payer) == [
        ("succeeded", "stripe_sepa_debit")
    ]
    assert await sql("SELECT status FROM payment WHERE member_id = :m", m=decliner) == [("failed",)]
    # the mandate acceptance Stripe needs was sent: online (the member's IP and browser) or offline (staff)
    sdk = stripe.StripeClient("sk_test_gymloop", base_addresses={"api": localstripe})
    online = await sdk.v1.mandates.retrieve_async(registered.json()["stripe_mandate_id"])
    assert online.payment_method == registered.json()["payment_method_id"]
    assert online.customer_acceptance.type == "online"
    assert online.customer_acceptance.online is not None
    assert online.customer_acceptance.online.ip_address == "203.0.113.7"
    assert online.customer_acceptance.online.user_agent == MEMBER_BROWSER["User-Agent"]
    offline = await sdk.v1.mandates.retrieve_async(by_staff.json()["stripe_mandate_id"])
    assert (offline.customer_acceptance.type, offline.type) == ("offline", "multi_use")


async def test_payment_method_bad_input_changes_nothing(client: Any, tokens: Any, add_member: Any, sql: Any) -> None:
    """Our IBAN rules run before Stripe is called (this app has no reachable Stripe at all)."""
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    member_id = await add_member(studio)
    not_stripe = await sepa_debit(client, member_id, admin, GOOD_IBAN)
    assert (not_stripe.status_code, error_fields(not_stripe)[0]["type"]) == (422, "not_stripe")
    await client.put("/billing-settings", json={"collection_method": "stripe"}, headers=admin)
    bad_iban = await sepa_debit(client, member_id, admin, "DE89370400440532013001")
    assert bad_iban.status_code == 422
    assert error_fields(bad_iban)[0]["type"] == "iban_checksum"
    assert error_fields(bad_iban)[0]["loc"] == ["body", "iban"]
    ideal = await client.put(f"/members/{member_id}/stripe/payment-method", json={"type": "ideal"}, headers=admin)
    assert (ideal.status_code, error_fields(ideal)[0]["type"]) == (422, "ideal_not_recurring")
    no_browser = await client.put(
        f"/members/{member_id}/stripe/payment-method",
        json={"type": "sepa_debit", "iban": GOOD_IBAN, "account_holder": "Anna de Vries"},
        headers={**tokens.headers(studio_id=studio, role="member", member_id=member_id), "User-Agent": ""},
    )
    assert (no_browser.status_code, error_fields(no_browser)[0]["type"]) == (422, "mandate_acceptance_incomplete")
    other = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    assert (await sepa_debit(client, member_id, other, GOOD_IBAN)).status_code == 404
    assert await sql("SELECT count(*) FROM stripe_customer WHERE member_id = :m", m=member_id) == [(0,)]


async def test_shop_purchase_charged_once_by_card_and_declined_card_fails(
    served_billing: str, localstripe: str, private_kafka: Any, tokens: Any, add_member: Any, sql: Any
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
        await stripe_studio(http, localstripe, served_billing, admin)
        product = (await http.post("/products", json={"name": "Shake", "price_cents": 350}, headers=admin)).json()
        buyer, broke, nothing = await add_member(studio), await add_member(studio), await add_member(studio)
        for member_id, number in ((buyer, "4242424242424242"), (broke, "4000000000000341")):
            answer = await http.put(
                f"/members/{member_id}/stripe/payment-method",
                json={"type": "card", "payment_method": await card(number)},
                headers=admin,
            )
            assert answer.status_code == 200, answer.text
        purchase_id = uuid.uuid4()
        body = {"purchase_id": str(purchase_id), "member_id": str(buyer), "product_id": product["id"], "quantity": 2}
        async with EventProbe.for_events(
            private_kafka.bootstrap_servers, PaymentSucceeded, PaymentFailed, PurchaseRecorded
        ) as probe:
            first = await http.post("/purchases", json=body, headers=admin)
            again = await http.post("/purchases", json=body, headers=admin)  # a redelivered request
            declined = await http.post(
                "/purchases", json={"member_id": str(broke), "product_id": product["id"]}, headers=admin
            )
            await probe.wait_for(lambda evs: len(evs) >= 4, timeout_s=30, settle_s=2.0)
        no_method = await http.post(
            "/purchases", json={"member_id": str(nothing), "product_id": product["id"]}, headers=admin
        )
        reused = await http.post("/purchases", json={**body, "quantity": 3}, headers=admin)
    assert first.status_code == 201, first.text
    assert (first.json()["settlement"], first.json()["payment_status"]) == ("stripe", "succeeded")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert declined.status_code == 201, declined.text
    assert declined.json()["payment_status"] == "failed"
    assert (no_method.status_code, error_fields(no_method)[0]["type"]) == (422, "no_stripe_payment_method")
    assert (reused.status_code, error_fields(reused)[0]["type"]) == (409, "purchase_id_reused")
    assert len(probe.of_type(PurchaseRecorded)) == 2
    (paid,) = probe.of_type(PaymentSucceeded)
    assert paid.payload["payment_id"] == first.json()["payment_id"]
    assert (paid.payload["amount_cents"], paid.payload["method"]) == (700, "stripe_card")
    assert paid.payload["purchase_id"] == first.json()["id"]
    (failed,) = probe.of_type(PaymentFailed)  # the intent's failure webhook does not count it again
    assert failed.payload["member_id"] == str(broke)
    assert failed.payload["purchase_id"] == declined.json()["id"]
    assert (failed.payload["next_retry_on"], failed.payload["overdue"]) == (None, False)
    customer = (await sql("SELECT stripe_customer_id FROM stripe_customer WHERE member_id = :m", m=buyer))[0][0]
    charges = await sdk.v1.charges.list_async(params={"customer": customer})
    assert [c.amount for c in charges.data] == [700]  # charged once
    assert await sql("SELECT purchase_id, status FROM payment WHERE member_id = :m", m=buyer) == [
        (uuid.UUID(first.json()["id"]), "succeeded")
    ]
    assert await sql("SELECT count(*) FROM purchase WHERE member_id = :m", m=nothing) == [(0,)]
    assert await sql("SELECT state FROM member_payment_state WHERE member_id = :m", m=broke) in ([], [("ok",)])


async def test_shop_purchase_by_sepa_debit_settles_by_webhook(
    served_billing: str, localstripe: str, private_kafka: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    async with httpx.AsyncClient(base_url=served_billing, timeout=30) as http:
        await stripe_studio(http, localstripe, served_billing, admin)
        product = (await http.post("/products", json={"name": "Towel", "price_cents": 1200}, headers=admin)).json()
        payer, decliner = await add_member(studio), await add_member(studio)
        assert (await sepa_debit(http, payer, admin, GOOD_IBAN)).status_code == 200
        assert (await sepa_debit(http, decliner, admin, DECLINED_IBAN)).status_code == 200
        async with EventProbe.for_events(private_kafka.bootstrap_servers, PaymentSucceeded, PaymentFailed) as probe:
            bought = {}
            for member_id in (payer, decliner):
                answer = await http.post(
                    "/purchases", json={"member_id": str(member_id), "product_id": product["id"]}, headers=admin
                )
                assert answer.status_code == 201, answer.text
                assert answer.json()["payment_status"] == "pending"  # SEPA: Stripe answers later
                bought[member_id] = answer.json()
            await probe.wait_for(lambda evs: len(evs) >= 2, timeout_s=30, settle_s=1.5)
    (paid,) = probe.of_type(PaymentSucceeded)
    (failed,) = probe.of_type(PaymentFailed)
    assert (paid.payload["payment_id"], paid.payload["method"]) == (bought[payer]["payment_id"], "stripe_sepa_debit")
    assert paid.payload["purchase_id"] == bought[payer]["id"]
    assert (failed.payload["payment_id"], failed.payload["purchase_id"]) == (
        bought[decliner]["payment_id"],
        bought[decliner]["id"],
    )
    assert await sql("SELECT purchase_id, status FROM payment WHERE member_id = :m", m=payer) == [
        (uuid.UUID(bought[payer]["id"]), "succeeded")
    ]
    assert await sql("SELECT status FROM payment WHERE member_id = :m", m=decliner) == [("failed",)]


async def test_twin_purchase_requests_record_one_purchase(
    client: Any, private_kafka: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    """Two requests with the same purchase_id at the same time: one purchase, one event, both answers 201."""
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    product = (await client.post("/products", json={"name": "Bar", "price_cents": 250}, headers=admin)).json()
    member_id = await add_member(studio)
    body = {"purchase_id": str(uuid.uuid4()), "member_id": str(member_id), "product_id": product["id"]}
    async with EventProbe.for_events(client.kafka, PurchaseRecorded) as probe:
        answers = await asyncio.gather(*(client.post("/purchases", json=body, headers=admin) for _ in range(3)))
        await probe.wait_for(lambda evs: len(evs) >= 1, settle_s=1.5)
    assert [a.status_code for a in answers] == [201, 201, 201], [a.text for a in answers]
    (purchase_id,) = {a.json()["id"] for a in answers}
    assert [e.payload["purchase_id"] for e in probe.received if e.studio_id == studio] == [purchase_id]
    assert await sql("SELECT count(*) FROM purchase WHERE member_id = :m", m=member_id) == [(1,)]
