"""Choosing, paying and cancelling a plan in the member app (/app) in a real browser at a phone's size, against every
service, the gateway, the local Stripe (its iDEAL bank page) and the SMTP sink (the e2e `stack`).

A SEPA studio: the member picks the pack, gives an IBAN (a bad checksum comes back next to the IBAN), accepts the
mandate text and has 10 credits; then presses "Cancel membership", confirms, and gets the receipt by e-mail. A Stripe
studio: the pack paid by the registered card, by a SEPA debit, and by iDEAL at the local bank (refused first: nothing
granted; approved then); each lands on the payment page that polls until the webhook's credits are there. A
recurring plan starts as a Stripe subscription on the card."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe
from gymloop_devstack.testing import wait_until
from playwright.sync_api import Browser, Page, expect

from .conftest import Stack
from .test_e2e_member_self_service import PACK, PASSWORD, answered, join, mails_to, ok, open_studio, until
from .test_e2e_web_member_app import PHONE, fits_the_screen
from .web_setup import chromium

pytestmark = pytest.mark.e2e

SEPA_BILLING = {"collection_method": "sepa_export", "creditor_name": "Sportschool Keuze",
                "creditor_iban": "NL91ABNA0417164300", "creditor_id": "NL57ZZZ999999999999"}  # fmt: skip
MONTHLY = {"name": "Unlimited monthly", "kind": "unlimited", "price_cents": 4900, "currency": "EUR",
           "period": "monthly"}  # fmt: skip
GOOD_IBAN = "NL91ABNA0417164300"
NEW_IBAN = "DE89370400440532013000"
BAD_IBAN = "NL91ABNA0417164301"  # one digit off: the checksum fails


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(**PHONE)
    try:
        yield context.new_page()
    finally:
        context.close()


def new_member(stack: Stack, client: httpx.Client, slug: str, tag: str) -> tuple[dict[str, str], str, str]:
    """A person who signed up at the studio and followed the e-mailed link, known to billing: (headers, id, e-mail)."""
    email = f"{tag}-{uuid.uuid4().hex[:8]}@keuze.example.org"
    member, member_id, _ = join(stack, client, slug, email)
    overview = f"/api/v1/billing/members/{member_id}/billing"
    until(lambda: answered(client, "GET", overview, headers=member), "billing to know the new member")
    return member, member_id, email


def log_in(page: Page, stack: Stack, email: str) -> None:
    page.goto(f"{stack.url}/app/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("notice")).to_contain_text("You are logged in at")


def open_plan(page: Page, name: str) -> None:
    page.get_by_role("link", name="Membership", exact=True).click()
    page.get_by_role("link", name="Choose a plan").click()
    page.get_by_role("link", name=name).click()
    expect(page.get_by_test_id("plan-name")).to_have_text(name)


def credits_shown_once_granted(page: Page) -> None:
    """The payment page polls by itself (no reload here) until the webhook's pack is in bookings."""
    expect(page.get_by_test_id("payment-state")).to_contain_text("Paid: your credits are ready.", timeout=60_000)
    expect(page.get_by_test_id("credits")).to_have_text("10")


def test_sepa_studio_choose_the_pack_with_an_e_mandate_and_cancel_with_the_button(stack: Stack, phone: Page) -> None:
    page = phone
    with stack.client() as client:
        _, studio = open_studio(client, "Keuze Sepa Gym", SEPA_BILLING)
        member, member_id, email = new_member(stack, client, studio["slug"], "sepa")
        log_in(page, stack, email)
        open_plan(page, PACK["name"])
        expect(page.get_by_test_id("mandate-text")).to_contain_text("Creditor: Sportschool Keuze")
        assert fits_the_screen(page)

        # a bad checksum: the API's field error next to the IBAN, what was typed kept, nothing signed
        page.get_by_label("IBAN").fill(BAD_IBAN)
        page.get_by_label("Account holder").fill("Nina Nieuw")
        page.get_by_label("I accept the SEPA direct debit mandate above").check()
        page.get_by_role("button", name="Sign the mandate and start my plan").click()
        expect(page.locator("#e-iban")).to_be_visible()
        expect(page.get_by_label("IBAN")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("IBAN")).to_have_value(BAD_IBAN)
        assert ok(client.get(f"/api/v1/billing/members/{member_id}/subscriptions", headers=member)) == []

        page.get_by_label("IBAN").fill(GOOD_IBAN)
        page.get_by_label("I accept the SEPA direct debit mandate above").check()
        page.get_by_role("button", name="Sign the mandate and start my plan").click()
        expect(page.get_by_test_id("notice")).to_have_text("Your plan has started.")
        mandate = ok(client.get(f"/api/v1/billing/members/{member_id}/mandate", headers=member))
        assert mandate["iban"] == GOOD_IBAN
        wait_until(lambda: bool(page.reload()) and page.get_by_test_id("credits").inner_text() == "10", "the pack")
        expect(page.get_by_test_id("subscription")).to_contain_text(PACK["name"])

        # change my IBAN: a new e-mandate (a bad one refused next to the IBAN first); the next debit is FRST
        page.get_by_role("link", name="Change my IBAN").click()
        expect(page.get_by_test_id("current-iban")).to_contain_text("NL91 … 4300")
        page.get_by_label("IBAN").fill("DE89370400440532013001")
        page.get_by_label("Account holder").fill("Nina Nieuw")
        page.get_by_label("I accept the SEPA direct debit mandate above").check()
        page.get_by_role("button", name="Sign the new mandate").click()
        expect(page.locator("#e-iban")).to_be_visible()
        page.get_by_label("IBAN").fill(NEW_IBAN)
        page.get_by_label("I accept the SEPA direct debit mandate above").check()
        page.get_by_role("button", name="Sign the new mandate").click()
        expect(page.get_by_test_id("notice")).to_contain_text("Your new IBAN is set")
        mandate = ok(client.get(f"/api/v1/billing/members/{member_id}/mandate", headers=member))
        assert (mandate["iban"], mandate["next_sequence_type"]) == (NEW_IBAN, "FRST")

        # the cancel button: a confirmation page, the final button, a done page, the receipt by e-mail
        page.get_by_role("link", name="Cancel membership").click()
        expect(page.get_by_test_id("cancel-terms")).to_contain_text(PACK["name"])
        expect(page.get_by_test_id("cancel-terms")).to_contain_text("Cancelled on")
        page.get_by_role("button", name="Cancel my membership now").click()
        expect(page.get_by_role("heading", name="Membership cancelled")).to_be_visible()
        expect(page.get_by_test_id("cancelled")).to_contain_text(f"The confirmation is on its way to {email}.")
        receipts = until(
            lambda: [m for m in mails_to(stack, email) if "cancellation" in m["subject"]], "the cancellation receipt"
        )
        assert [m["subject"] for m in receipts] == [f"Your cancellation of {PACK['name']} is confirmed"]
        page.get_by_role("link", name="Back to my membership").click()
        expect(page.get_by_role("link", name="Cancel membership")).to_have_count(0)


@pytest.fixture(scope="module")
def stripe_studio(stack: Stack) -> Iterator[dict[str, Any]]:
    assert stack.dev.stripe is not None, stack.dev.stripe_note
    with stack.client() as client:
        admin, studio = open_studio(client, "Keuze Stripe Gym", {"collection_method": "stripe"})
        ok(client.post("/api/v1/billing/plans", json=MONTHLY, headers=admin), 201)
        if stack.dev.stripe_connected is not None:
            stack.dev.stripe_connected.result()  # billing's webhook is registered with the local Stripe
        yield {"client": client, "slug": studio["slug"]}


def test_stripe_studio_pack_by_the_registered_card_then_a_monthly_plan(
    stack: Stack, phone: Page, stripe_studio: dict[str, Any]
) -> None:
    page, client = phone, stripe_studio["client"]
    assert stack.dev.stripe is not None
    member, member_id, email = new_member(stack, client, stripe_studio["slug"], "card")
    # A card is made by Stripe.js in the member's browser, which the app does not carry: registered beforehand
    sdk = stripe.StripeClient("sk_test_gymloop_dev", base_addresses={"api": stack.dev.stripe.url})
    card = sdk.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030,
                                         "cvc": "123"}}
    )  # fmt: skip
    ok(client.put(f"/api/v1/billing/members/{member_id}/stripe/payment-method",
                  json={"type": "card", "payment_method": card.id}, headers=member))  # fmt: skip
    log_in(page, stack, email)
    open_plan(page, PACK["name"])
    page.get_by_label("My registered card").check()
    page.get_by_role("button", name="Pay and get my credits").click()
    expect(page.get_by_role("heading", name="My payment")).to_be_visible()
    credits_shown_once_granted(page)
    assert fits_the_screen(page)

    open_plan(page, MONTHLY["name"])
    expect(page.get_by_label("iDEAL, at my bank")).to_have_count(0)  # one-off only
    page.get_by_label("My registered card").check()
    page.get_by_role("button", name="Start my plan").click()
    expect(page.get_by_test_id("notice")).to_have_text("Your plan has started.")
    plans = ok(client.get(f"/api/v1/billing/members/{member_id}/subscriptions", headers=member))
    assert sorted(bool(p["stripe_subscription_id"]) for p in plans) == [False, True]  # the pack, the monthly plan


def test_stripe_studio_pack_by_sepa_debit_with_the_iban_checked_first(
    stack: Stack, phone: Page, stripe_studio: dict[str, Any]
) -> None:
    page, client = phone, stripe_studio["client"]
    member, member_id, email = new_member(stack, client, stripe_studio["slug"], "debit")
    log_in(page, stack, email)
    open_plan(page, PACK["name"])
    page.get_by_label("SEPA direct debit from my account").check()
    page.get_by_label("IBAN").fill(BAD_IBAN)
    page.get_by_label("Account holder").fill("Daan Debit")
    page.get_by_role("button", name="Pay and get my credits").click()
    expect(page.locator("#e-iban")).to_be_visible()
    expect(page.get_by_label("IBAN")).to_have_value(BAD_IBAN)
    page.get_by_label("SEPA direct debit from my account").check()
    page.get_by_label("IBAN").fill(GOOD_IBAN)
    page.get_by_role("button", name="Pay and get my credits").click()
    credits_shown_once_granted(page)
    (payment,) = ok(client.get(f"/api/v1/billing/members/{member_id}/billing", headers=member))["payments"]["items"]
    assert (payment["method"], payment["status"]) == ("stripe_sepa_debit", "succeeded")


def test_stripe_studio_pack_by_ideal_refused_at_the_bank_grants_nothing_approved_grants_the_pack(
    stack: Stack, phone: Page, stripe_studio: dict[str, Any]
) -> None:
    page, client = phone, stripe_studio["client"]
    member, member_id, email = new_member(stack, client, stripe_studio["slug"], "ideal")
    log_in(page, stack, email)
    open_plan(page, PACK["name"])
    page.get_by_label("iDEAL, at my bank").check()
    page.get_by_role("button", name="Pay and get my credits").click()
    page.get_by_role("link", name="Continue to my bank").click()
    expect(page.get_by_role("heading", name="iDEAL test bank")).to_be_visible()
    page.get_by_role("link", name="Refuse").click()
    expect(page.get_by_test_id("payment-state")).to_contain_text("did not go through", timeout=60_000)
    account = f"/api/v1/bookings/members/{member_id}/account"
    assert ok(client.get(account, headers=member))["credits_left"] == 0

    page.get_by_role("link", name="Try again").click()
    page.get_by_label("iDEAL, at my bank").check()
    page.get_by_role("button", name="Pay and get my credits").click()
    page.get_by_role("link", name="Continue to my bank").click()
    page.get_by_role("link", name="Approve").click()
    expect(page).to_have_url(re.compile(re.escape(f"{stack.url}/app/payments/") + "[0-9a-f-]{36}$"))
    credits_shown_once_granted(page)
    assert ok(client.get(account, headers=member))["credits_left"] == 10
