"""The member app (/app) in a real browser at a phone's size (Playwright driving Debian's Chromium, 360 px wide)
against every service, the gateway, the web app and the SMTP sink (the e2e `stack`).

A new person finds the studio by its slug, signs up, confirms through the link read from the SMTP sink, gets a
10-session pack (sold at the desk; choosing and paying in the app: test_e2e_web_member_app_plans), books a class
after a confirmation that shows 10 credits before and 9 after and the late-cancel rule, sees 9, gets a calendar
link whose feed has the class, signs out, sees 10 again, reads the studio's message and news in the inbox, and
logs out and in again. The app is installable: its manifest and service worker work through the gateway."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from gymloop_devstack.testing import answered, wait_until
from playwright.sync_api import Browser, Page, expect

from .conftest import Stack
from .web_setup import NewStudio, chromium

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the studio's zone until its admins set another
STAFF_PASSWORD = "Harbor-Lilac-5183!"
MEMBER_PASSWORD = "Quartz-Meadow-2947!"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PACK = {
    "name": "10 sessions", "kind": "session_pack", "sessions": 10, "price_cents": 9900, "currency": "EUR",
    "period": "one_off", "valid_days": 90,
}  # fmt: skip


@pytest.fixture(scope="module")
def studio(stack: Stack) -> Iterator[dict[str, Any]]:
    """A studio with its public page (slug), a pack on sale, tomorrow's Yoga class and a news post, through the
    gateway as its admin."""
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        studio = NewStudio.sign_up(client, "Loop Yoga", ("Olga", "Owner"), STAFF_PASSWORD, "member-app.example.com")
        admin = studio.admin
        current = answered(client.get("/api/v1/members/studios/current", headers=admin), 200)
        plan = answered(client.post("/api/v1/billing/plans", json=PACK, headers=admin), 201)
        tomorrow = datetime.now(UTC).astimezone(AMSTERDAM).date() + timedelta(days=1)
        location = answered(client.post("/api/v1/bookings/locations", json={"name": "Zaal 1"}, headers=admin), 201)
        kind = answered(client.post("/api/v1/bookings/session-types", json={"name": "Yoga"}, headers=admin), 201)
        session = answered(
            client.post(
                "/api/v1/bookings/sessions",
                json={"location_id": location["id"], "session_type_id": kind["id"], "day": tomorrow.isoformat(),
                      "start_time": "18:00", "duration_minutes": 60, "capacity": 8},
                headers=admin,
            ),
            201,
        )  # fmt: skip
        # A one-place class that Bram has booked: full for the newcomer
        spin_kind = answered(client.post("/api/v1/bookings/session-types", json={"name": "Spin"}, headers=admin), 201)
        spin = answered(
            client.post(
                "/api/v1/bookings/sessions",
                json={"location_id": location["id"], "session_type_id": spin_kind["id"], "day": tomorrow.isoformat(),
                      "start_time": "20:00", "duration_minutes": 45, "capacity": 1},
                headers=admin,
            ),
            201,
        )  # fmt: skip
        bram = studio.person("Bram", "Visser")
        studio.billing_knows(bram)
        sold = {"member_id": bram["id"], "plan_id": plan["id"], "start_date": tomorrow.isoformat()}
        answered(client.post("/api/v1/billing/subscriptions", json=sold, headers=admin), 201)
        bram_account = f"/api/v1/bookings/members/{bram['id']}/account"
        wait_until(lambda: client.get(bram_account, headers=admin).json().get("credits_left") == 10, "Bram's pack")
        answered(
            client.post(f"/api/v1/bookings/sessions/{spin['id']}/bookings", json={"member_id": bram["id"]},
                        headers=admin),
            201,
        )  # fmt: skip
        answered(
            client.post(
                "/api/v1/notifications/info-posts",
                json={"title": "New mats", "body": "Fresh mats in Zaal 1 from Monday."},
                headers=admin,
            ),
            201,
        )
        yield {"client": client, "admin": admin, "slug": current["slug"], "name": current["name"], "plan": plan,
               "session": session, "spin": spin, "bram": bram, "studio": studio}  # fmt: skip


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def journey(browser: Browser) -> Iterator[dict[str, Any]]:
    """One newcomer's phone through the tests below, in their order (each a step of the same journey)."""
    context = browser.new_context(**PHONE)
    try:
        yield {"page": context.new_page(), "email": f"mia-{uuid.uuid4().hex[:8]}@member-app.example.com"}
    finally:
        context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def sign_up_link(stack: Stack, email: str, timeout_s: float = 45.0) -> str:
    """The confirmation link of the sign-up mail to `email`, read from the SMTP sink."""
    assert stack.dev.sink is not None
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=stack.dev.sink.http_url, timeout=5.0, trust_env=False) as sink:
        while time.monotonic() < deadline:
            for entry in sink.get("/mail", params={"to": email}).json():
                mail = sink.get(f"/mail/{entry['id']}").json()
                links = [link for link in mail["links"] if "/verify-email?token=" in link]
                if links:
                    return str(links[0])
            time.sleep(0.3)
    raise AssertionError(f"no sign-up mail to {email} within {timeout_s}s")


def fits_the_screen(page: Page) -> bool:
    """Nothing sticks out sideways at the phone's width (no horizontal scrolling)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_find_the_studio_sign_up_and_confirm_through_the_emailed_link(
    journey: dict[str, Any], stack: Stack, studio: dict[str, Any]
) -> None:
    page, email = journey["page"], journey["email"]

    # Find the studio by its slug
    page.goto(f"{stack.url}/app/")
    page.get_by_label("Your studio's address").fill(studio["slug"].upper())  # as people type it
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_test_id("studio-name")).to_have_text("Loop Yoga")
    expect(page.get_by_test_id("plan")).to_contain_text("10 sessions · EUR 99.00")
    expect(page.get_by_role("heading", name="This week")).to_be_visible()
    expect(page.get_by_text("Yoga", exact=True)).to_be_visible()
    assert fits_the_screen(page)

    # Sign up; a field error comes back next to its field first
    page.get_by_label("First name").fill("Mia")
    page.get_by_label("Last name").fill("Jansen")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#e-password")).to_contain_text("use at least 10")
    expect(page.get_by_label("First name")).to_have_value("Mia")
    page.get_by_label("Password", exact=True).fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_test_id("notice")).to_contain_text(f"We sent a link to {email}")

    # The e-mailed link lands in the app; its token leaves the address bar; one tap confirms
    link = sign_up_link(stack, email)
    page.goto(link)
    expect(page.get_by_role("heading", name="Confirm your e-mail")).to_be_visible()
    assert "token" not in page.url
    page.get_by_role("button", name="Confirm and become a member").click()
    expect(page.get_by_test_id("notice")).to_have_text("Welcome to Loop Yoga: you are a member now.")
    expect(page.get_by_test_id("credits")).to_have_text("0")


def test_book_seeing_the_credits_before_and_after_and_get_a_calendar_link(
    journey: dict[str, Any], stack: Stack, studio: dict[str, Any]
) -> None:
    page, email, client, admin = journey["page"], journey["email"], studio["client"], studio["admin"]

    # The desk sells the pack (the app's own plan shop is tested in test_e2e_web_member_app_plans)
    found = answered(client.get("/api/v1/members/members", params={"q": email}, headers=admin), 200)
    member = journey["member"] = found["items"][0]
    studio["studio"].billing_knows(member)
    today = datetime.now(UTC).astimezone(AMSTERDAM).date()
    sold = {"member_id": member["id"], "plan_id": studio["plan"]["id"], "start_date": today.isoformat()}
    answered(client.post("/api/v1/billing/subscriptions", json=sold, headers=admin), 201)
    account = journey["account"] = f"/api/v1/bookings/members/{member['id']}/account"
    wait_until(lambda: client.get(account, headers=admin).json().get("credits_left") == 10, "the 10 credits")
    page.reload()
    expect(page.get_by_test_id("credits")).to_have_text("10")

    # Book from the agenda: the confirmation shows the credits before and after and the late-cancel rule
    page.get_by_role("link", name="Agenda", exact=True).click()
    page.locator(f"li[data-session-id='{studio['session']['id']}'] a").click()
    expect(page.get_by_test_id("session-name")).to_have_text("Yoga")
    expect(page.get_by_test_id("my-credits")).to_have_text("You have 10 credits.")
    page.get_by_role("link", name="Sign up", exact=True).click()
    expect(page.get_by_test_id("confirm-credits")).to_have_text("You have 10 credits; booking takes 1: 9 left after.")
    expect(page.get_by_role("group")).to_contain_text("Sign out before")
    expect(page.get_by_role("group")).to_contain_text("(2 hours before the start)")
    assert fits_the_screen(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("button", name="Confirm the booking").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "member-app-book.png"))  # what the phone shows, tab bar included
    page.get_by_role("button", name="Confirm the booking").click()
    expect(page.get_by_test_id("notice")).to_have_text("You are booked: 9 credits left.")
    expect(page.get_by_test_id("my-credits")).to_have_text("You have 9 credits.")
    assert client.get(account, headers=admin).json()["credits_left"] == 9
    page.get_by_role("link", name="My bookings", exact=True).click()
    expect(page.get_by_test_id("upcoming")).to_contain_text("Yoga")

    # My calendar link: a secret feed that calendar apps read without a token, with the booked class in it
    page.get_by_role("link", name="Get the link").click()
    page.get_by_role("button", name="Make a new calendar link").click()
    feed_url = page.get_by_test_id("feed-url").input_value()
    assert feed_url.startswith(f"{stack.url}/api/v1/bookings/calendar-feeds/")
    with httpx.Client(timeout=10.0, trust_env=False) as calendar_app:
        feed = calendar_app.get(feed_url)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Yoga" in feed.text


def test_sign_out_in_time_gives_the_credit_back_and_the_log_shows_both(
    journey: dict[str, Any], stack: Stack, studio: dict[str, Any]
) -> None:
    page, account, client, admin = journey["page"], journey["account"], studio["client"], studio["admin"]
    page.goto(f"{stack.url}/app/sessions/{studio['session']['id']}")
    page.get_by_role("link", name="Sign out", exact=True).click()
    expect(page.get_by_test_id("confirm-credits")).to_have_text("You get your credit back: 9 credits now, 10 after.")
    page.get_by_role("button", name="Confirm: sign me out").click()
    expect(page.get_by_test_id("notice")).to_have_text("You are signed out: 10 credits left.")
    assert client.get(account, headers=admin).json()["credits_left"] == 10
    page.get_by_role("link", name="Membership", exact=True).click()
    expect(page.get_by_test_id("credits")).to_have_text("10")
    expect(page.get_by_test_id("subscription")).to_contain_text("10 sessions")
    expect(page.get_by_test_id("log")).to_contain_text("Signed out")
    expect(page.get_by_test_id("log")).to_contain_text("Signed up")
    assert fits_the_screen(page)


def test_a_full_class_join_and_leave_its_waitlist_and_move_in_when_a_place_frees_up(
    journey: dict[str, Any], stack: Stack, studio: dict[str, Any]
) -> None:
    """Join the waitlist (nothing taken yet), leave it, join again, and move in when Bram signs out."""
    page, client, admin = journey["page"], studio["client"], studio["admin"]
    spin = f"{stack.url}/app/sessions/{studio['spin']['id']}"
    page.goto(spin)
    expect(page.get_by_test_id("places")).to_contain_text("0 of 1 places free")
    page.get_by_role("link", name="Join the waitlist", exact=True).click()
    expect(page.get_by_test_id("confirm-credits")).to_have_text(
        "Nothing is taken now: if a place frees up you move in and 1 of your 10 credits is taken (9 left then)."
    )
    page.get_by_role("button", name="Join the waitlist", exact=True).click()
    expect(page.get_by_test_id("notice")).to_have_text("The session is full: you are on the waitlist.")
    expect(page.get_by_test_id("my-place")).to_contain_text("You are on the waitlist: number 1 in line.")
    page.get_by_role("link", name="Leave the waitlist", exact=True).click()
    page.get_by_role("button", name="Confirm: leave the waitlist").click()
    expect(page.get_by_test_id("notice")).to_have_text("You left the waitlist.")
    page.get_by_role("link", name="Join the waitlist", exact=True).click()
    page.get_by_role("button", name="Join the waitlist", exact=True).click()
    page.get_by_role("link", name="Agenda", exact=True).click()
    expect(page.locator(f"li[data-session-id='{studio['spin']['id']}']").get_by_test_id("mine")).to_have_text(
        "waitlist, number 1"
    )
    bram_out = f"/api/v1/bookings/sessions/{studio['spin']['id']}/bookings/{studio['bram']['id']}"
    answered(client.delete(bram_out, headers=admin), 200)
    page.goto(spin)
    expect(page.get_by_test_id("my-place")).to_contain_text("You are booked for this session.")
    expect(page.get_by_test_id("my-credits")).to_have_text("You have 9 credits.")


def test_the_inbox_shows_the_studios_message_as_text_and_its_news(
    journey: dict[str, Any], stack: Stack, studio: dict[str, Any]
) -> None:
    page, member, client, admin = journey["page"], journey["member"], studio["client"], studio["admin"]
    message = {"subject": "See you <b>Monday</b>", "body": "Bring water.", "channels": ["in_app"],
               "audience": {"type": "member", "member_id": member["id"]}}  # fmt: skip
    answered(client.post("/api/v1/notifications/messages", json=message, headers=admin), 201)
    wait_until(lambda: bool(page.goto(f"{stack.url}/app/inbox")) and "See you" in page.content(), "the message")
    studio_message = page.get_by_test_id("message").filter(has_text="Bring water.")
    expect(studio_message).to_contain_text("See you <b>Monday</b>")  # text, not markup
    # The place the member got from the waitlist in the step before is in the inbox too.
    expect(page.get_by_test_id("message").filter(has_text="You have a place in the")).to_have_count(1)
    expect(page.get_by_test_id("post")).to_contain_text("Fresh mats in Zaal 1 from Monday.")
    page.get_by_role("button", name="Mark read: See you <b>Monday</b>").click()
    expect(page.get_by_role("button", name="Mark read: See you <b>Monday</b>")).to_have_count(0)


def test_log_out_and_in_again(journey: dict[str, Any], stack: Stack, studio: dict[str, Any]) -> None:
    page, email = journey["page"], journey["email"]
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("notice")).to_have_text("You are logged in at Loop Yoga.")


def test_the_app_installs_its_service_worker_and_serves_its_manifest_through_the_gateway(
    phone: Page, stack: Stack
) -> None:
    page = phone
    page.goto(f"{stack.url}/app/")
    scope = page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.scope)")
    assert scope == f"{stack.url}/app/"
    manifest = page.evaluate("fetch('/app/manifest.webmanifest').then((answer) => answer.json())")
    assert manifest["start_url"] == "/app/"
    for icon in manifest["icons"]:
        assert page.evaluate(f"fetch('{icon['src']}').then((answer) => answer.status)") == 200
    assert fits_the_screen(page)


def test_a_slug_nobody_has_gets_the_same_answer_as_a_malformed_one(phone: Page, stack: Stack) -> None:
    page = phone
    page.goto(f"{stack.url}/app/studios/nobody-has-this-{uuid.uuid4().hex[:6]}")
    unknown = page.locator("#e-slug").inner_text()
    page.goto(f"{stack.url}/app/studios?slug=not%20a%20slug!")
    assert (
        page.locator("#e-slug").inner_text() == unknown == "No studio has this address: check the link or the poster."
    )


def test_a_staff_login_is_refused_by_the_member_app(phone: Page, stack: Stack, studio: dict[str, Any]) -> None:
    page = phone
    page.goto(f"{stack.url}/app/login")
    page.get_by_label("E-mail").fill(studio["studio"].email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("This login is for a studio's staff")
    page.goto(f"{stack.url}/app/agenda")
    expect(page).to_have_url(f"{stack.url}/app/login")
