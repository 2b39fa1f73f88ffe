"""The session page's staff actions in a real browser (Playwright driving Debian's Chromium) against every
service, the gateway and the web app (the e2e `stack`): seed 002's cosmetic "Present" toggle on a signed-up
member, and cancelling the session, which gives the member's credit back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from gymloop_devstack.testing import answered, wait_until
from playwright.sync_api import Browser, Page, expect

from .conftest import Stack
from .web_setup import NewStudio, chromium, logged_in

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the studio's zone until its admins set another
PASSWORD = "Harbor-Violet-3718!"
PACK = {
    "name": "5 sessions", "kind": "session_pack", "sessions": 5, "price_cents": 5000, "currency": "EUR",
    "period": "one_off", "valid_days": 60,
}  # fmt: skip


@pytest.fixture(scope="module")
def studio(stack: Stack) -> dict[str, Any]:
    """An admin, Noor with 5 credits signed up for tomorrow's session, all written through the gateway."""
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        studio = NewStudio.sign_up(client, "Session Gym", ("Otto", "Owner"), PASSWORD, "session-web.example.com")
        admin = studio.admin
        noor = studio.person("Noor", "Bakker")
        studio.billing_knows(noor)
        plan = answered(client.post("/api/v1/billing/plans", json=PACK, headers=admin), 201)
        today = datetime.now(UTC).astimezone(AMSTERDAM).date()
        answered(
            client.post(
                "/api/v1/billing/subscriptions",
                json={"member_id": noor["id"], "plan_id": plan["id"], "start_date": today.isoformat()},
                headers=admin,
            ),
            201,
        )

        def credits() -> int | None:
            answer = client.get(f"/api/v1/bookings/members/{noor['id']}/account", headers=admin)
            return answer.json()["credits_left"] if answer.status_code == 200 else None

        wait_until(lambda: credits() == 5, "bookings to grant Noor's 5 credits")
        location = answered(client.post("/api/v1/bookings/locations", json={"name": "Zaal 2"}, headers=admin), 201)
        kind = answered(client.post("/api/v1/bookings/session-types", json={"name": "Yoga"}, headers=admin), 201)
        session = answered(
            client.post(
                "/api/v1/bookings/sessions",
                json={"location_id": location["id"], "session_type_id": kind["id"],
                      "day": (today + timedelta(days=1)).isoformat(), "start_time": "18:00",
                      "duration_minutes": 60, "capacity": 8},
                headers=admin,
            ),
            201,
        )  # fmt: skip
        client.post(
            f"/api/v1/bookings/sessions/{session['id']}/bookings", json={"member_id": noor["id"]}, headers=admin
        )
        wait_until(lambda: credits() == 4, "the sign-up to take one of Noor's credits")
    return {"email": studio.email, "noor": noor, "session": session}


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, stack: Stack, studio: dict[str, Any]) -> Iterator[Page]:
    """A fresh browser profile, logged in as the studio's admin, on the session's page."""
    with logged_in(browser, stack.url, studio["email"], PASSWORD) as page:
        page.goto(f"{stack.url}/sessions/{studio['session']['id']}")
        expect(page.get_by_test_id("session-name")).to_contain_text("Yoga")
        yield page


def test_the_present_toggle_marks_the_member_and_a_second_press_clears_it(page: Page, studio: dict[str, Any]) -> None:
    row = page.get_by_test_id("attendance").locator(f"tr[data-member-id='{studio['noor']['id']}']")
    expect(row).to_contain_text("signed up")
    expect(row.get_by_test_id("present")).to_have_count(0)
    row.get_by_role("button", name="Present: Noor Bakker").click()
    expect(page.get_by_test_id("notice")).to_have_text("Noor Bakker: the Present mark is switched.")
    row = page.get_by_test_id("attendance").locator(f"tr[data-member-id='{studio['noor']['id']}']")
    expect(row.get_by_test_id("present")).to_have_text("present")
    expect(row).not_to_contain_text("checked in")  # cosmetic: attendance is what check-in says
    row.get_by_role("button", name="Present: Noor Bakker").click()
    expect(
        page.get_by_test_id("attendance")
        .locator(f"tr[data-member-id='{studio['noor']['id']}']")
        .get_by_test_id("present")
    ).to_have_count(0)


def test_cancelling_the_session_marks_it_cancelled_and_gives_the_credit_back(
    page: Page, studio: dict[str, Any]
) -> None:
    page.get_by_label("Reason (told to the members booked)").fill("The coach is ill")
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.get_by_test_id("session-cancelled")).to_be_visible()
    expect(page.get_by_test_id("cancel-session")).to_have_count(0)  # nothing left to cancel
    page.goto(page.url.split("/sessions/")[0] + f"/members/{studio['noor']['id']}")
    expect(page.get_by_test_id("credits")).to_have_text("5 credits left")
