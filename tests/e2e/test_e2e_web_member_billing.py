"""The member overview's billing actions in a real browser (Playwright driving Debian's Chromium) against every
service, the gateway and the web app (the e2e `stack`): sell a plan, cancel it with its notice period, record a
purchase, and set the SEPA mandate, a wrong IBAN refused next to its field first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gymloop_devstack.testing import answered
from playwright.sync_api import Browser, Page, expect

from .conftest import Stack
from .web_setup import NewStudio, chromium, logged_in

pytestmark = pytest.mark.e2e

PASSWORD = "Quarry-Willow-5283!"
PACK = {
    "name": "10 rides", "kind": "session_pack", "sessions": 10, "price_cents": 9000, "currency": "EUR",
    "period": "one_off", "valid_days": 90,
}  # fmt: skip
IBAN = "NL91ABNA0417164300"


@pytest.fixture(scope="module")
def studio(stack: Stack) -> dict[str, Any]:
    """An admin, a member billing knows, a plan and a shop product, all written through the gateway."""
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        studio = NewStudio.sign_up(client, "Billing Gym", ("Bea", "Boss"), PASSWORD, "billing-web.example.com")
        member = studio.person("Mila", "de Vries")
        studio.billing_knows(member)
        answered(client.post("/api/v1/billing/plans", json=PACK, headers=studio.admin), 201)
        product = {"name": "Water bottle", "price_cents": 250, "currency": "EUR"}
        answered(client.post("/api/v1/billing/products", json=product, headers=studio.admin), 201)
    return {"email": studio.email, "member": member}


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, stack: Stack, studio: dict[str, Any]) -> Iterator[Page]:
    """A fresh browser profile, logged in as the studio's admin, on the member's overview."""
    with logged_in(browser, stack.url, studio["email"], PASSWORD) as page:
        page.goto(f"{stack.url}/members/{studio['member']['id']}")
        expect(page.get_by_test_id("member-name")).to_have_text("Mila de Vries")
        yield page


def test_selling_a_plan_then_cancelling_it_shows_the_subscription_and_its_end(page: Page) -> None:
    subscriptions = page.get_by_test_id("subscriptions")
    expect(subscriptions).to_contain_text("No subscription.")
    page.get_by_label("Plan", exact=True).select_option(label="10 rides")
    page.get_by_role("button", name="Sell the plan").click()
    expect(subscriptions.get_by_role("listitem").filter(has_text="10 rides")).to_contain_text("active")

    subscriptions.get_by_text("Pause or cancel 10 rides").click()
    subscriptions.get_by_label("Notice (months)").fill("2")
    subscriptions.get_by_role("button", name="Cancel the subscription").click()
    expect(page.get_by_test_id("cancelled")).to_contain_text("Cancelled: ends on 20")


def test_recording_a_purchase_lists_it_with_its_amount(page: Page) -> None:
    page.get_by_label("Product").select_option(label="Water bottle · EUR 2.50")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Record the purchase").click()
    expect(page.get_by_test_id("billing")).to_contain_text("2 \u00d7 Water bottle · EUR 5.00")  # "2 times"


def test_a_wrong_iban_is_refused_next_to_its_field_and_a_good_one_becomes_the_mandate(page: Page) -> None:
    expect(page.get_by_test_id("mandate")).to_have_text("No mandate yet.")
    page.get_by_label("IBAN").fill("NL00WRONG")
    page.get_by_label("Account holder").fill("M. de Vries")
    page.get_by_label("Mandate reference").fill("MILA-001")
    page.get_by_role("button", name="Save the mandate").click()
    expect(page.locator("#e-iban")).to_be_visible()
    expect(page.get_by_label("Account holder")).to_have_value("M. de Vries")  # what was typed stays
    expect(page.get_by_test_id("mandate")).to_have_text("No mandate yet.")  # bad input changed nothing

    page.get_by_label("IBAN").fill(IBAN)
    page.get_by_role("button", name="Save the mandate").click()
    expect(page.get_by_test_id("mandate")).to_contain_text(f"IBAN {IBAN} of M. de Vries, mandate MILA-001")
