"""A member choosing, paying and cancelling a plan in the app: the SEPA e-mandate, a session pack paid through
(local) Stripe and granted only by its webhook, once, and the cancel button with its confirmation step and its
limit per member."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
import stripe
from gymloop_contracts.events.billing import PaymentFailed, SubscriptionActivated, SubscriptionCancelled
from gymloop_devstack.testing import EventProbe, error_fields

from .conftest import signed, stripe_studio

pytestmark = pytest.mark.integration

SEPA_STUDIO = {
    "collection_method": "sepa_export",
    "creditor_name": "Sportschool Zoë & Co",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}
PACK = {"name": "10-session pack", "kind": "session_pack", "price_cents": 9900, "currency": "EUR",
        "period": "one_off", "sessions": 10, "valid_days": 90}  # fmt: skip
BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile"}
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # localstripe: attaches, declined when charged


async def test_sepa_member_signs_the_e_mandate_and_gets_the_pack(
    client: Any, tokens: Any, add_member: Any, sql: Any, private_kafka: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    assert (await client.put("/billing-settings", json=SEPA_STUDIO, headers=admin)).status_code == 200
    plan_id = (await client.post("/plans", json=PACK, headers=admin)).json()["id"]
    member_id = await add_member(studio)
    member = {**tokens.headers(studio_id=studio, role="member", member_id=member_id), **BROWSER}
    other = tokens.headers(studio_id=studio, role="member", member_id=await add_member(studio))

    text = await client.get(f"/members/{member_id}/sepa-mandate-text", headers=member)
    assert text.status_code == 200, text.text
    shown = text.json()
    assert "Creditor: Sportschool Zoe + Co, creditor identifier NL57ZZZ999999999999" in shown["text"]  # EPC text
    assert shown["mandate_reference"] in shown["text"]
    assert shown["version"].startswith("v1-")
    choice = {
        "plan_id": plan_id,
        "iban": "DE89 3704 0044 0532 0130 00",
        "account_holder": "Anna de Vries",
        "mandate_accepted": True,
        "mandate_text_version": shown["version"],
    }
    path = f"/members/{member_id}/sepa-subscriptions"
    refusals = {
        "checksum": await client.post(path, json={**choice, "iban": "DE89370400440532013001"}, headers=member),
        "outside_sepa": await client.post(
            path, json={**choice, "iban": "BR1800360305000010009795493C1"}, headers=member
        ),
        "not_accepted": await client.post(path, json={**choice, "mandate_accepted": False}, headers=member),
        "old_text": await client.post(path, json={**choice, "mandate_text_version": "v1-0"}, headers=member),
        "another_member": await client.post(path, json=choice, headers=other),
        "staff": await client.post(path, json=choice, headers=admin),
    }
    assert {
        name: (answer.status_code, answer.json()["code"], [e["loc"][-1:] for e in error_fields(answer)])
        for name, answer in refusals.items()
    } == {
        "checksum": (422, "iban_checksum", [["iban"]]),
        "outside_sepa": (422, "iban_country_unsupported", [["iban"]]),
        "not_accepted": (422, "mandate_not_accepted", [["mandate_accepted"]]),
        "old_text": (422, "mandate_text_changed", [["mandate_text_version"]]),
        "another_member": (404, "member_not_found", [[]]),
        "staff": (404, "member_not_found", [[]]),
    }
    assert await sql("SELECT count(*) FROM mandate WHERE studio_id = :s", s=studio) == [(0,)]
    assert await sql("SELECT count(*) FROM subscription WHERE studio_id = :s", s=studio) == [(0,)]

    async with EventProbe.for_events(private_kafka.bootstrap_servers, SubscriptionActivated) as probe:
        chosen = await client.post(path, json=choice, headers=member)
        assert chosen.status_code == 201, chosen.text
        await probe.wait_for(lambda evs: any(e.studio_id == studio for e in evs), timeout_s=30)
    body = chosen.json()
    assert body["subscription"]["credits"] == 10
    assert (body["mandate"]["iban"], body["mandate"]["mandate_text_version"]) == (
        "DE89370400440532013000",
        shown["version"],
    )
    (activated,) = [e for e in probe.received if e.studio_id == studio]
    assert (activated.payload["credits"], activated.payload["collection_method"]) == (10, "sepa_export")
    (signature,) = await sql(
        "SELECT consented_at IS NOT NULL, consent_ip, consent_user_agent, mandate_text_version, mandate_reference "
        "FROM mandate WHERE member_id = :m",
        m=member_id,
    )
    assert signature[0] is True
    assert signature[1]  # the member's address, as the service saw it
    assert signature[2:] == (BROWSER["User-Agent"], shown["version"], shown["mandate_reference"])
    # the fee waits for the next payment run
    assert await sql("SELECT amount_cents, payment_id FROM charge WHERE member_id = :m", m=member_id) == [(9900, None)]


async def test_cancel_button_has_a_confirmation_step_and_publishes_the_receipt(
    client: Any, tokens: Any, add_member: Any, sql: Any, private_kafka: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    monthly = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5900, "currency": "EUR", "period": "monthly"}
    plan_id = (await client.post("/plans", json=monthly, headers=admin)).json()["id"]
    member_id = await add_member(studio)
    member = tokens.headers(studio_id=studio, role="member", member_id=member_id)
    other = tokens.headers(studio_id=studio, role="member", member_id=await add_member(studio))
    started = await client.post(
        "/subscriptions",
        json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-11-01"},
        headers=admin,
    )
    subscription_id = started.json()["id"]
    path = f"/subscriptions/{subscription_id}/cancellation"

    terms = await client.get(path, headers=member)
    assert terms.status_code == 200, terms.text
    assert terms.json()["notice_months"] == 1
    assert terms.json()["end_date"] is not None
    assert (await client.get(path, headers=other)).status_code == 404
    assert await sql("SELECT cancelled_on FROM subscription WHERE id = :i", i=uuid.UUID(subscription_id)) == [(None,)]

    unconfirmed = await client.post(path, json={"confirm": False}, headers=member)
    assert (unconfirmed.status_code, error_fields(unconfirmed)[0]["type"]) == (422, "confirmation_required")
    assert (await client.post(path, json={"confirm": True}, headers=other)).status_code == 404
    async with EventProbe.for_events(private_kafka.bootstrap_servers, SubscriptionCancelled) as probe:
        cancelled = await client.post(path, json={"confirm": True}, headers=member)
        assert cancelled.status_code == 200, cancelled.text
        await probe.wait_for(lambda evs: any(e.studio_id == studio for e in evs), timeout_s=30)
    again = await client.post(path, json={"confirm": True}, headers=member)
    assert (again.status_code, error_fields(again)[0]["type"]) == (422, "already_cancelled")
    # the button is limited per member: 10 presses an hour (3 so far), then 429 with Retry-After
    for _ in range(7):
        assert (await client.post(path, json={"confirm": True}, headers=member)).status_code == 422
    throttled = await client.post(path, json={"confirm": True}, headers=member)
    assert (throttled.status_code, throttled.json()["code"]) == (429, "cancel_throttled")
    assert int(throttled.headers["Retry-After"]) > 0
    assert await sql("SELECT count(*) FROM cancel_request WHERE member_id = :m", m=member_id) == [(10,)]
    (receipt,) = [e for e in probe.received if e.studio_id == studio]
    assert receipt.payload["cancelled_by"] == "member"
    assert receipt.payload["plan_name"] == "Unlimited"
    assert receipt.payload["end_date"] == terms.json()["end_date"] == cancelled.json()["end_date"]


async def _card(localstripe: str, number: str) -> str:
    sdk = stripe.StripeClient("sk_test_gymloop", base_addresses={"api": localstripe})
    card = await sdk.v1.payment_methods.create_async(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    return str(card.id)


async def _settled(http: httpx.AsyncClient, path: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(150):
        answer = (await http.get(path, headers=headers)).json()
        if answer["status"] != "pending":
            return dict(answer)
        await asyncio.sleep(0.2)
    raise AssertionError(f"{path} still pending")


async def test_stripe_pack_granted_by_the_webhook_once_and_a_declined_card_grants_nothing(
    served_billing: str, localstripe: str, tokens: Any, add_member: Any, sql: Any, private_kafka: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    async with httpx.AsyncClient(base_url=served_billing, timeout=30) as http:
        await stripe_studio(http, localstripe, served_billing, admin)
        plan_id = (await http.post("/plans", json=PACK, headers=admin)).json()["id"]
        payer, decliner = await add_member(studio), await add_member(studio)
        headers = {m: tokens.headers(studio_id=studio, role="member", member_id=m) for m in (payer, decliner)}
        for member_id, number in ((payer, GOOD_CARD), (decliner, DECLINED_CARD)):
            method = await http.put(
                f"/members/{member_id}/stripe/payment-method",
                json={"type": "card", "payment_method": await _card(localstripe, number)},
                headers=headers[member_id],
            )
            assert method.status_code == 200, method.text
        monthly = {"name": "Monthly", "kind": "unlimited", "price_cents": 5900, "currency": "EUR", "period": "monthly"}
        monthly_id = (await http.post("/plans", json=monthly, headers=admin)).json()["id"]
        recurring = await http.post(
            f"/members/{payer}/pack-payments",
            json={"plan_id": monthly_id, "pay_with": "default_method"},
            headers=headers[payer],
        )
        assert (recurring.status_code, error_fields(recurring)[0]["type"]) == (422, "plan_not_a_pack")

        async with EventProbe.for_events(
            private_kafka.bootstrap_servers, SubscriptionActivated, PaymentFailed
        ) as probe:
            bought = await http.post(
                f"/members/{payer}/pack-payments",
                json={"plan_id": plan_id, "pay_with": "default_method"},
                headers=headers[payer],
            )
            assert bought.status_code == 201, bought.text
            declined = await http.post(
                f"/members/{decliner}/pack-payments",
                json={"plan_id": plan_id, "pay_with": "default_method"},
                headers=headers[decliner],
            )
            assert declined.status_code == 201, declined.text
            paid = await _settled(http, f"/members/{payer}/pack-payments/{bought.json()['payment_id']}", headers[payer])
            failed = await _settled(
                http, f"/members/{decliner}/pack-payments/{declined.json()['payment_id']}", headers[decliner]
            )
            await probe.wait_for(lambda evs: len([e for e in evs if e.studio_id == studio]) >= 2, timeout_s=30)

        assert (paid["status"], failed["status"], failed["subscription_id"]) == ("succeeded", "failed", None)
        activations = [e for e in probe.of_type(SubscriptionActivated) if e.studio_id == studio]
        assert [(e.payload["member_id"], e.payload["credits"]) for e in activations] == [(str(payer), 10)]
        assert activations[0].payload["subscription_id"] == paid["subscription_id"]
        assert [e.payload["member_id"] for e in probe.of_type(PaymentFailed) if e.studio_id == studio] == [
            str(decliner)
        ]

        # Stripe delivers the success again: recorded once, granted once
        sdk = stripe.StripeClient("sk_test_gymloop", base_addresses={"api": localstripe})
        (intent_id,) = await sql("SELECT stripe_payment_intent_id FROM payment WHERE member_id = :m", m=payer)
        events = await sdk.v1.events.list_async(params={"type": "payment_intent.succeeded"})
        (event,) = [e for e in events.data if e.data.object["id"] == intent_id[0]]
        payload = json.dumps(event.to_dict()).encode()
        replayed = await http.post("/stripe/webhook", content=payload, headers=signed(payload))
        assert (replayed.status_code, replayed.json()["applied"]) == (200, False)
    assert await sql("SELECT member_id, credits FROM subscription WHERE studio_id = :s", s=studio) == [(payer, 10)]
    # the pack's fee is the payment that bought it: nothing left for anyone to collect
    assert await sql("SELECT payment_id FROM charge WHERE member_id = :m", m=payer) == [
        (uuid.UUID(paid["payment_id"]),)
    ]
