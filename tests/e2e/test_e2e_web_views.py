"""The back office pages built on the gateway's views, in a real browser (Playwright driving Debian's Chromium)
against every service, the gateway and the web app (the e2e `stack`): the dashboard with a notification naming
the member and a session I coach today, finding a member and opening their overview (plan, credits, a note), and
seed 002's Peter: signed up from the session page, his credits drop from 6 to 5 and he has one active sign-up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from gymloop_devstack.testing import answered, answered_once_known, wait_until
from playwright.sync_api import Browser, Page, expect

from .conftest import Stack
from .test_e2e_web_back_office import SCREENSHOTS
from .web_setup import chromium, logged_in

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the studio's zone until its admins set another
PASSWORD = "Harbor-Lantern-9137!"
PACK = {
    "name": "6 sessions", "kind": "session_pack", "sessions": 6, "price_cents": 6000, "currency": "EUR",
    "period": "one_off", "valid_days": 60,
}  # fmt: skip
NOTE = "Runs a 10k in May <b>really</b>"
NOTIFICATION = "Call Peter about his knee"


@pytest.fixture(scope="module")
def studio(stack: Stack) -> dict[str, Any]:
    """An admin who coaches a session today and is responsible for Peter (6 credits, a tag, a note, an open
    notification), all written through the gateway."""
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        email = f"owner-{uuid.uuid4().hex[:8]}@views-web.example.com"
        signed_up = answered(
            client.post(
                "/api/members/studios/signup",
                json={"studio_name": "Views Gym", "email": email, "password": PASSWORD,
                      "first_name": "Olga", "last_name": "Owner"},
            ),
            201,
        )  # fmt: skip
        admin = {"Authorization": f"Bearer {signed_up['access_token']}"}
        me = signed_up["member_id"]
        tag = answered(client.post("/api/members/tags", json={"name": "Knee injury"}, headers=admin), 201)
        peter = answered(
            client.post(
                "/api/members/members",
                json={"email": f"peter-{uuid.uuid4().hex[:8]}@views-web.example.com", "first_name": "Peter",
                      "last_name": "Jansen", "tag_ids": [tag["id"]], "responsible_employee_id": me},
                headers=admin,
            ),
            201,
        )  # fmt: skip
        answered(client.post(f"/api/members/members/{peter['id']}/notes", json={"body": NOTE}, headers=admin), 201)
        wait_until(
            lambda: client.get(f"/api/billing/members/{peter['id']}/payment-state", headers=admin).status_code == 200,
            "billing to know Peter",
        )
        plan = answered(client.post("/api/billing/plans", json=PACK, headers=admin), 201)
        today = datetime.now(UTC).astimezone(AMSTERDAM).date()
        answered(
            client.post(
                "/api/billing/subscriptions",
                json={"member_id": peter["id"], "plan_id": plan["id"], "start_date": today.isoformat()},
                headers=admin,
            ),
            201,
        )
        wait_until(
            lambda: (
                (answer := client.get(f"/api/bookings/members/{peter['id']}/account", headers=admin)).status_code == 200
                and answer.json()["credits_left"] == 6
            ),
            "bookings to grant Peter's 6 credits",
        )
        wait_until(
            lambda: (
                client.post(
                    f"/api/notifications/members/{peter['id']}/notifications",
                    json={"text": NOTIFICATION, "due_date": today.isoformat()},
                    headers=admin,
                ).status_code
                == 201
            ),
            "notifications to take a custom notification",
        )
        location = answered(client.post("/api/bookings/locations", json={"name": "Zaal 1"}, headers=admin), 201)["id"]
        kind = answered(client.post("/api/bookings/session-types", json={"name": "Spinning"}, headers=admin), 201)["id"]
        # later today in the studio's zone (a minute before midnight at the latest), coached by the admin
        now = datetime.now(UTC).astimezone(AMSTERDAM)
        start = min(now + timedelta(minutes=30), now.replace(hour=23, minute=0, second=0, microsecond=0))
        session = answered_once_known(
            lambda: client.post(
                "/api/bookings/sessions",
                json={"location_id": location, "session_type_id": kind, "day": start.date().isoformat(),
                      "start_time": start.time().replace(second=0, microsecond=0).isoformat(),
                      "duration_minutes": 60, "capacity": 10, "coach_id": me},
                headers=admin,
            ),
            "coach_not_in_studio", "bookings to know the admin as a coach", 201,
        )  # fmt: skip
        # the dashboard names the member once notifications and the view know him as mine
        wait_until(
            lambda: any(
                n.get("member_name") == "Peter Jansen"
                for n in client.get("/api/views/dashboard", headers=admin).json().get("notifications", [])
                if isinstance(n, dict)
            ),
            "the dashboard to show Peter's notification",
        )
    return {"email": email, "peter": peter, "session": session, "admin": admin}


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, stack: Stack, studio: dict[str, Any]) -> Iterator[Page]:
    """A fresh browser profile, logged in as the studio's admin."""
    with logged_in(browser, stack.url, studio["email"], PASSWORD) as page:
        yield page


def test_the_dashboard_shows_my_notification_with_the_members_name_and_my_session_today(page: Page) -> None:
    notifications = page.get_by_test_id("notifications")
    item = notifications.get_by_role("listitem").filter(has_text=NOTIFICATION)
    expect(item).to_be_visible()
    expect(item.get_by_role("link", name="Peter Jansen")).to_be_visible()
    expect(item.get_by_role("button", name="Done")).to_be_visible()
    expect(item.get_by_label("Snooze until")).to_be_visible()
    sessions = page.get_by_test_id("sessions-today")
    expect(sessions).to_contain_text("Spinning")
    expect(sessions).to_contain_text("0/10 booked")


def test_finding_a_member_and_opening_the_overview_shows_plan_credits_and_note(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    page.get_by_label("Search by name or e-mail").fill("Peter")
    page.get_by_role("link", name="Peter Jansen").click()
    expect(page.get_by_test_id("member-name")).to_have_text("Peter Jansen")
    subscriptions = page.get_by_test_id("subscriptions")
    expect(subscriptions).to_contain_text("6 sessions")
    expect(subscriptions.get_by_test_id("credits")).to_have_text("6 credits left")
    expect(page.get_by_test_id("tags")).to_contain_text("Knee injury")
    expect(page.get_by_test_id("responsible")).to_have_text("Olga Owner")
    expect(page.get_by_test_id("notes")).to_contain_text(NOTE)  # shown as text, not markup
    expect(page.get_by_test_id("member-notifications")).to_contain_text(NOTIFICATION)
    expect(page.get_by_test_id("payment-state")).to_have_text("Payments are in order.")

    page.get_by_label("New note").fill("Wants to try yoga")
    page.get_by_role("button", name="Add the note").click()
    expect(page.get_by_test_id("notes")).to_contain_text("Wants to try yoga")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "member-overview.png"), full_page=True)


def test_signing_peter_up_from_the_session_page_takes_one_of_his_six_credits(
    page: Page, studio: dict[str, Any]
) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agenda").click()
    entry = page.locator(f"[data-session-id='{studio['session']['id']}']")
    expect(entry).to_contain_text("Spinning")
    expect(entry).to_contain_text("with Olga Owner")
    expect(entry.get_by_test_id("occupancy")).to_have_text("0/10 booked")
    entry.get_by_role("link").click()

    expect(page.get_by_test_id("attendance")).to_contain_text("Nobody is signed up yet.")
    page.get_by_label("Member to sign up").select_option(label="Peter Jansen")
    page.get_by_role("button", name="Sign up", exact=True).click()
    expect(page.get_by_test_id("notice")).to_have_text("Peter Jansen is signed up: 5 credits left, 1 active sign-ups.")
    row = page.get_by_test_id("attendance").locator(f"tr[data-member-id='{studio['peter']['id']}']")
    expect(row).to_contain_text("Peter Jansen")
    expect(row).to_contain_text("Knee injury")  # seed 001: the list shows the tags
    expect(page.get_by_test_id("occupancy")).to_have_text("1/10 booked")

    row.get_by_role("button", name="Check in: Peter Jansen").click()
    expect(page.get_by_test_id("notice")).to_have_text("Peter Jansen is checked in.")
    expect(page.get_by_test_id("attendance").locator(f"tr[data-member-id='{studio['peter']['id']}']")).to_contain_text(
        "checked in"
    )

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agenda").click()
    expect(page.locator(f"[data-session-id='{studio['session']['id']}']").get_by_test_id("occupancy")).to_have_text(
        "1/10 booked"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "agenda.png"), full_page=True)

    page.goto(page.url.split("/agenda")[0] + f"/members/{studio['peter']['id']}")
    expect(page.get_by_test_id("credits")).to_have_text("5 credits left")
    expect(page.get_by_test_id("active-sign-ups")).to_have_text("1 active sign-ups")
    expect(page.get_by_test_id("upcoming")).to_contain_text("Spinning")


def test_marking_the_notification_done_takes_it_off_the_dashboard(page: Page) -> None:
    item = page.get_by_test_id("notifications").get_by_role("listitem").filter(has_text=NOTIFICATION)
    item.get_by_role("button", name="Done").click()
    expect(page.get_by_test_id("notifications")).to_contain_text("No open notifications.")
    expect(page.get_by_test_id("notifications")).not_to_contain_text(NOTIFICATION)
