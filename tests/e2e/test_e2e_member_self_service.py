"""A new member on their own, end to end through the gateway (every service, embedded PostgreSQL, Tansu, the local
Stripe, the SMTP sink), once per collection method: they find the studio's public page, sign up, follow the e-mailed
link, buy a 10-session pack (SEPA studio: accepting the e-mandate; Stripe studio: by card, granted by Stripe's
webhook), book a class and see 9 credits, sign out and see 10, and cancel with the button, receiving the receipt by
e-mail."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
import stripe

from .conftest import Stack

pytestmark = pytest.mark.e2e

PASSWORD = "Self-service-e2e-Password-2026"
PACK = {"name": "10-session pack", "kind": "session_pack", "price_cents": 9900, "currency": "EUR",
        "period": "one_off", "sessions": 10, "valid_days": 90}  # fmt: skip
PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36"}


def ok(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, f"{answer.request.method} {answer.request.url}: {answer.text}"
    return answer.json() if answer.content else None


def until(check: Callable[[], Any], what: str, timeout_s: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def open_studio(client: httpx.Client, name: str, billing: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The owner's studio with a pack plan and a class the day after tomorrow; answers (admin headers, studio)."""
    owner = {"studio_name": name, "email": f"owner@{name.lower().replace(' ', '-')}.example.org",
             "password": PASSWORD, "first_name": "Olga", "last_name": "Owner"}  # fmt: skip
    admin = {
        "Authorization": f"Bearer {ok(client.post('/api/v1/members/studios/signup', json=owner), 201)['access_token']}"
    }
    studio = ok(client.get("/api/v1/members/studios/current", headers=admin))
    ok(client.put("/api/v1/billing/billing-settings", json=billing, headers=admin))
    ok(client.post("/api/v1/billing/plans", json=PACK, headers=admin), 201)
    location = ok(client.post("/api/v1/bookings/locations", json={"name": "Zaal 1"}, headers=admin), 201)["id"]
    kind = {"name": "Spinning", "description": "All levels"}
    session_type = ok(client.post("/api/v1/bookings/session-types", json=kind, headers=admin), 201)["id"]
    day = datetime.now(ZoneInfo(studio["timezone"])).date() + timedelta(days=2)
    one_off = {"location_id": location, "session_type_id": session_type, "day": day.isoformat(),
               "start_time": "19:00:00", "duration_minutes": 45, "capacity": 8}  # fmt: skip
    ok(client.post("/api/v1/bookings/sessions", json=one_off, headers=admin), 201)
    return admin, studio


def mails_to(stack: Stack, email: str) -> list[dict[str, Any]]:
    """The SMTP sink's mails to `email`, newest first, each with its text and links (its HTTP reader)."""
    assert stack.dev.sink is not None
    with httpx.Client(base_url=stack.dev.sink.http_url, trust_env=False) as sink:
        return [ok(sink.get(f"/mail/{entry['id']}")) for entry in ok(sink.get("/mail", params={"to": email}))]


def join(stack: Stack, client: httpx.Client, slug: str, email: str) -> tuple[dict[str, str], str, dict[str, Any]]:
    """Find the studio's page, sign up, follow the e-mailed link: the member's headers, id and the public page."""
    page = ok(client.get(f"/api/v1/views/public/studios/{slug}"))  # no token
    person = {"slug": slug, "email": email, "password": PASSWORD, "first_name": "Nina", "last_name": "Nieuw"}
    ok(client.post("/api/v1/members/registrations", json=person), 202)
    (mail,) = until(lambda: mails_to(stack, email), f"the confirmation mail to {email}")
    (link,) = [link for link in mail["links"] if "token=" in link]
    token = parse_qs(urlsplit(link).query)["token"][0]
    tokens = ok(client.post("/api/v1/members/registrations/verify", json={"token": token}))
    return {"Authorization": f"Bearer {tokens['access_token']}", **PHONE}, tokens["member_id"], page


def answered(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    """The answer's body once it is 2xx (billing answers 404 until it has learnt of the new member), else None."""
    answer = client.request(method, path, **kwargs)
    return (answer.json() or True) if answer.is_success else None


def credits_left(client: httpx.Client, member_id: str, member: dict[str, str]) -> int:
    return int(ok(client.get(f"/api/v1/bookings/members/{member_id}/account", headers=member))["credits_left"])


def book_sign_out_and_cancel(
    stack: Stack, client: httpx.Client, member: dict[str, str], member_id: str, subscription_id: str, email: str,
    page: dict[str, Any],
) -> None:  # fmt: skip
    """From the pack granted: book the class on the public page, 9 credits; sign out, 10; cancel, receipt."""
    until(lambda: credits_left(client, member_id, member) == 10, "bookings to grant the pack")
    (session_id,) = [session["id"] for day in page["agenda"] for session in day["sessions"]]
    booked = ok(client.post(f"/api/v1/bookings/sessions/{session_id}/bookings", json={}, headers=member), 201)
    assert booked["outcome"] == "booked"
    assert credits_left(client, member_id, member) == 9
    ok(client.delete(f"/api/v1/bookings/sessions/{session_id}/bookings/{member_id}", headers=member))
    assert credits_left(client, member_id, member) == 10

    # my plan, credits and validity (the gateway's overview) and my user log, as the member sees them
    overview = ok(client.get(f"/api/v1/views/members/{member_id}/overview", headers=member))
    (plan,) = overview["subscriptions"]
    assert (plan["id"], plan["plan_name"], plan["credits_left"]) == (subscription_id, PACK["name"], 10)
    assert plan["credits_valid_until"]
    assert "notes" not in overview  # the staff's part is not the member's
    log = ok(client.get(f"/api/v1/bookings/members/{member_id}/log", headers=member))["items"]
    assert sorted(entry["change"] for entry in log) == [-1, 1, 10]  # granted, booked, signed out

    # the cancel button: the confirmation step shows the terms, the button cancels, the receipt is e-mailed
    path = f"/api/v1/billing/subscriptions/{subscription_id}/cancellation"
    terms = ok(client.get(path, headers=member))
    cancelled = ok(client.post(path, json={"confirm": True}, headers=member))
    assert cancelled["cancelled_on"] == terms["requested_on"]
    receipts = until(
        lambda: [m for m in mails_to(stack, email) if "cancellation" in m["subject"]], "the cancellation receipt"
    )
    (receipt,) = receipts
    assert receipt["subject"] == "Your cancellation of 10-session pack is confirmed"
    assert "Keep this e-mail as the confirmation of your cancellation." in receipt["text"]


def test_sepa_studio_join_accept_the_e_mandate_book_and_cancel(stack: Stack) -> None:
    billing = {"collection_method": "sepa_export", "creditor_name": "Sportschool Zelf",
               "creditor_iban": "NL91ABNA0417164300", "creditor_id": "NL57ZZZ999999999999"}  # fmt: skip
    email = "nina.sepa@zelf.example.org"
    with stack.client() as client:
        _, studio = open_studio(client, "Zelf Sepa Gym", billing)
        member, member_id, page = join(stack, client, studio["slug"], email)
        (plan,) = [p for p in page["plans"] if p["name"] == PACK["name"]]
        text_path = f"/api/v1/billing/members/{member_id}/sepa-mandate-text"
        text = until(lambda: answered(client, "GET", text_path, headers=member), "billing to know the new member")
        choice = {"plan_id": plan["id"], "iban": "NL91ABNA0417164300", "account_holder": "Nina Nieuw",
                  "mandate_accepted": True, "mandate_text_version": text["version"]}  # fmt: skip
        bad = client.post(f"/api/v1/billing/members/{member_id}/sepa-subscriptions",
                          json={**choice, "iban": "NL91ABNA0417164301"}, headers=member)  # fmt: skip
        assert (bad.status_code, bad.json()["errors"][0]["loc"]) == (422, ["body", "iban"])
        chosen = ok(client.post(f"/api/v1/billing/members/{member_id}/sepa-subscriptions", json=choice,
                                headers=member), 201)  # fmt: skip
        assert chosen["mandate"]["mandate_text_version"] == text["version"]
        book_sign_out_and_cancel(stack, client, member, member_id, chosen["subscription"]["id"], email, page)


def test_stripe_studio_join_pay_the_pack_by_card_book_and_cancel(stack: Stack) -> None:
    assert stack.dev.stripe is not None, stack.dev.stripe_note
    email = "nina.card@zelf.example.org"
    sdk = stripe.StripeClient("sk_test_gymloop_dev", base_addresses={"api": stack.dev.stripe.url})
    with stack.client() as client:
        _, studio = open_studio(client, "Zelf Card Gym", {"collection_method": "stripe"})
        if stack.dev.stripe_connected is not None:
            stack.dev.stripe_connected.result()  # billing's webhook is registered with the local Stripe
        member, member_id, page = join(stack, client, studio["slug"], email)
        (plan,) = [p for p in page["plans"] if p["name"] == PACK["name"]]
        card = sdk.v1.payment_methods.create(
            params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030,
                                             "cvc": "123"}}
        )  # fmt: skip
        method_path = f"/api/v1/billing/members/{member_id}/stripe/payment-method"
        card_body = {"type": "card", "payment_method": card.id}
        until(lambda: answered(client, "PUT", method_path, json=card_body, headers=member), "billing to know her")
        bought = ok(client.post(f"/api/v1/billing/members/{member_id}/pack-payments",
                                json={"plan_id": plan["id"], "pay_with": "default_method"},
                                headers={**member, "Idempotency-Key": str(uuid.uuid4())}), 201)  # fmt: skip
        payment_path = f"/api/v1/billing/members/{member_id}/pack-payments/{bought['payment_id']}"
        assert ok(client.get(payment_path, headers=member))["status"] in ("pending", "succeeded")

        def settled() -> Any:
            payment = ok(client.get(payment_path, headers=member))
            return payment if payment["status"] != "pending" else None

        paid = until(settled, "Stripe's webhook to settle the pack")
        assert paid["status"] == "succeeded"
        assert paid["subscription_id"]
        book_sign_out_and_cancel(stack, client, member, member_id, paid["subscription_id"], email, page)
