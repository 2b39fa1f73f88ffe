"""The admin's notification settings and the weekly schedules in a real browser (Playwright driving Debian's
Chromium) against every service, the gateway and the web app (the e2e `stack`): a setting saved and a bad one
refused next to its field, "refresh now" showing the refresh job's progress until it is done, "delete all" behind
its confirmation; a weekly schedule created and generated until its session is in the agenda, and an edit of a slot
with a booked session that asks what happens to it first."""

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
PASSWORD = "Juniper-Falcon-6142!"
PACK = {
    "name": "10 sessions", "kind": "session_pack", "sessions": 10, "price_cents": 9000, "currency": "EUR",
    "period": "one_off", "valid_days": 60,
}  # fmt: skip


@pytest.fixture(scope="module")
def studio(stack: Stack) -> dict[str, Any]:
    """An admin, Lotte and Sem with 10 credits each, a location and a session type, through the gateway."""
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        studio = NewStudio.sign_up(client, "Rooster Gym", ("Rik", "Owner"), PASSWORD, "rooster-web.example.com")
        admin = studio.admin
        lotte, sem = studio.person("Lotte", "Visser"), studio.person("Sem", "de Jong")
        plan = answered(client.post("/api/v1/billing/plans", json=PACK, headers=admin), 201)
        today = datetime.now(UTC).astimezone(AMSTERDAM).date()
        for member in (lotte, sem):
            studio.billing_knows(member)
            subscription = {"member_id": member["id"], "plan_id": plan["id"], "start_date": today.isoformat()}
            answered(client.post("/api/v1/billing/subscriptions", json=subscription, headers=admin), 201)
        for member in (lotte, sem):
            wait_until(
                lambda member=member: credits_left(client, admin, member) == 10,
                f"bookings to grant {member['first_name']}'s 10 credits",
            )
        location = answered(client.post("/api/v1/bookings/locations", json={"name": "Grote zaal"}, headers=admin), 201)
        kind = answered(client.post("/api/v1/bookings/session-types", json={"name": "Spinning"}, headers=admin), 201)
    return {"email": studio.email, "admin": admin, "lotte": lotte, "sem": sem, "today": today,
            "location": location, "kind": kind}  # fmt: skip


def credits_left(client: httpx.Client, admin: dict[str, str], member: dict[str, Any]) -> int | None:
    answer = client.get(f"/api/v1/bookings/members/{member['id']}/account", headers=admin)
    return answer.json()["credits_left"] if answer.status_code == 200 else None


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, stack: Stack, studio: dict[str, Any]) -> Iterator[Page]:
    with logged_in(browser, stack.url, studio["email"], PASSWORD) as page:
        yield page


def test_notification_settings_save_refuse_refresh_now_and_delete_all(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/settings/notifications")
    expect(page.get_by_role("heading", name="Notification settings")).to_be_visible()
    absence = page.locator("fieldset[data-section='absence']")
    absence.get_by_label("Days").fill("21")
    page.get_by_label("Birthday notifications on").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_have_text("Saved.")
    expect(page.locator("fieldset[data-section='absence']").get_by_label("Days")).to_have_value("21")
    expect(page.get_by_label("Birthday notifications on")).not_to_be_checked()

    page.locator("fieldset[data-section='downward_trend']").get_by_label("Percent").fill("250")
    page.get_by_role("button", name="Save").click()
    trend = page.locator("fieldset[data-section='downward_trend']")
    expect(trend.get_by_label("Percent")).to_have_attribute("aria-invalid", "true")
    expect(trend.locator(".error")).to_contain_text("between 1 and 100")
    expect(trend.get_by_label("Percent")).to_have_value("250")  # shown as typed, to correct
    page.goto(f"{stack.url}/settings/notifications")
    expect(page.locator("fieldset[data-section='downward_trend']").get_by_label("Percent")).to_have_value("30")

    page.get_by_role("button", name="Refresh now").click()
    job = page.locator("#refresh-job")
    # the answer to the click is the job as notifications accepted it: not started yet, then followed by htmx
    assert job.get_attribute("data-status") in ("queued", "running")
    expect(job).to_contain_text("Refresh")
    expect(page.get_by_test_id("job-done")).to_contain_text("members evaluated", timeout=30_000)
    expect(job).to_have_attribute("data-status", "succeeded")
    assert job.get_attribute("hx-get") is None  # done: no more polling

    page.get_by_role("link", name="Delete all open notifications…").click()
    expect(page.get_by_role("heading", name="Delete all open notifications")).to_be_visible()
    page.get_by_role("button", name="Delete them").click()  # without the tick: refused, nothing deleted
    expect(page.get_by_label("Yes, delete every open notification")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-confirm")).to_contain_text("confirm=true")
    page.get_by_label("Yes, delete every open notification").check()
    page.get_by_role("button", name="Delete them").click()
    expect(page.get_by_test_id("deleted")).to_contain_text("open notifications deleted")


def test_a_schedule_created_and_generated_shows_its_session_in_the_agenda(
    page: Page, stack: Stack, studio: dict[str, Any]
) -> None:
    tomorrow = studio["today"] + timedelta(days=1)
    page.goto(f"{stack.url}/schedules")
    expect(page.get_by_text("No weekly schedules yet.")).to_be_visible()
    slot = page.get_by_role("group", name="Slot 1 (leave the start time empty to skip it)")
    slot.get_by_label("Weekday").select_option(str(tomorrow.weekday()))
    slot.get_by_label("Start time").fill("18:30")
    slot.get_by_label("Capacity").fill("0")
    page.get_by_role("button", name="Create the schedule").click()
    # bookings refuses the capacity: the form comes back with the error next to that slot's field
    slot = page.get_by_role("group", name="Slot 1 (leave the start time empty to skip it)")
    expect(slot.get_by_label("Capacity")).to_have_attribute("aria-invalid", "true")
    expect(slot.get_by_label("Start time")).to_have_value("18:30")
    slot.get_by_label("Capacity").fill("10")
    page.get_by_role("button", name="Create the schedule").click()

    schedule = page.locator("section[data-schedule-id]")
    expect(schedule).to_have_count(1)
    expect(schedule.get_by_role("heading", name="Grote zaal")).to_be_visible()
    schedule.get_by_label("Weeks").fill("2")
    schedule.get_by_role("button", name="Generate the sessions").click()
    expect(page.get_by_test_id("generated")).to_have_text("2 sessions made.")

    page.goto(f"{stack.url}/agenda?day={tomorrow.isoformat()}")
    entry = page.locator(".day li").filter(has_text="18:30")
    expect(entry).to_contain_text("Spinning")
    expect(entry.get_by_test_id("occupancy")).to_have_text("0/10 booked")


def test_editing_a_slot_with_a_booked_session_asks_what_happens_to_it(
    page: Page, stack: Stack, studio: dict[str, Any]
) -> None:
    """Runs after the schedule test: Lotte books tomorrow's session, then the slot moves to 19:00."""
    tomorrow = studio["today"] + timedelta(days=1)
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        days = answered(
            client.get("/api/v1/bookings/agenda", params={"day": tomorrow.isoformat()}, headers=studio["admin"]), 200
        )
        (session,) = days[0]["sessions"]  # the schedule's session of tomorrow, the studio's only one
        body = {"member_id": studio["lotte"]["id"]}
        answered(client.post(f"/api/v1/bookings/sessions/{session['id']}/bookings", json=body,
                             headers=studio["admin"]), 201)  # fmt: skip
    page.goto(f"{stack.url}/schedules")
    slot = page.locator("section[data-schedule-id] form").filter(has=page.get_by_role("button", name="Save the slot"))
    slot.get_by_label("Start time").fill("19:00")
    slot.get_by_role("button", name="Save the slot").click()
    choice = page.get_by_label("Sessions with bookings or a waitlist")
    expect(choice).to_have_attribute("aria-invalid", "true")
    expect(page.locator("section[data-schedule-id] .error")).to_contain_text("have bookings or a waitlist")
    expect(page.locator("section[data-schedule-id]").get_by_label("Start time")).to_have_value("19:00")  # as typed
    choice.select_option("keep")
    page.get_by_role("button", name="Save the slot").click()
    expect(page.get_by_test_id("changed")).to_contain_text("1 changed")
    expect(page.get_by_test_id("changed")).to_contain_text("1 booked kept")
    page.goto(f"{stack.url}/agenda?day={tomorrow.isoformat()}")
    expect(page.locator(".day li").filter(has_text="18:30").get_by_test_id("occupancy")).to_have_text("1/10 booked")


def test_the_session_page_lists_its_waitlist_and_a_cancelled_session_offers_no_sign_up(
    page: Page, stack: Stack, studio: dict[str, Any]
) -> None:
    """A one-off session of one place in three days (not the schedule's): Lotte has it, Sem waits for it."""
    admin, day = studio["admin"], studio["today"] + timedelta(days=3)
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        body = {"location_id": studio["location"]["id"], "session_type_id": studio["kind"]["id"],
                "day": day.isoformat(), "start_time": "07:15", "duration_minutes": 45, "capacity": 1}  # fmt: skip
        session = answered(client.post("/api/v1/bookings/sessions", json=body, headers=admin), 201)
        bookings = f"/api/v1/bookings/sessions/{session['id']}/bookings"
        answered(client.post(bookings, json={"member_id": studio["lotte"]["id"]}, headers=admin), 201)
        answered(client.post(bookings, json={"member_id": studio["sem"]["id"]}, headers=admin), 202)
    page.goto(f"{stack.url}/sessions/{session['id']}")
    waitlist = page.get_by_test_id("waitlist")
    expect(waitlist.locator("li")).to_have_count(1)
    expect(waitlist.locator("li")).to_contain_text("Sem de Jong")
    # Sem waits: the sign-up choice no longer offers him
    assert page.get_by_label("Member to sign up").locator(f"option[value='{studio['sem']['id']}']").count() == 0
    waitlist.get_by_role("button", name="Take off the waitlist: Sem de Jong").click()
    expect(page.get_by_test_id("notice")).to_have_text("Sem de Jong is off the waitlist.")
    expect(page.get_by_text("Nobody is waiting.")).to_be_visible()

    expect(page.get_by_label("Member to sign up")).to_be_visible()
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.get_by_test_id("session-cancelled")).to_be_visible()
    expect(page.get_by_label("Member to sign up")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign up")).to_have_count(0)


def test_booking_rules_saved_and_a_bad_one_refused_next_to_its_field(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/settings")
    page.get_by_role("navigation", name="Settings sections").get_by_role("link", name="Booking rules").click()
    expect(page.get_by_role("heading", name="Booking rules")).to_be_visible()
    window = page.get_by_label("Members may book this many hours ahead")
    window.fill("48")
    page.get_by_label("A later sign-out costs the credit").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(window).to_have_value("48")
    expect(page.get_by_label("A later sign-out costs the credit")).not_to_be_checked()

    cutoff = page.get_by_label("Free sign-out until this many minutes before the start")
    cutoff.fill("-5")
    page.get_by_role("button", name="Save").click()
    expect(cutoff).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-cancellation_cutoff_minutes")).to_be_visible()
    expect(cutoff).to_have_value("-5")
    page.goto(f"{stack.url}/settings/bookings")
    expect(window).to_have_value("48")  # the refused form changed nothing
    expect(cutoff).not_to_have_value("-5")


def test_tags_added_renamed_refused_next_to_the_field_and_deleted(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/settings/tags")
    expect(page.get_by_text("No tags yet.")).to_be_visible()
    new = page.get_by_role("region", name="New tag")
    new.get_by_label("Name").fill("Blessure")
    new.get_by_role("button", name="Add the tag").click()
    expect(page.get_by_role("status")).to_have_text("The tag is added.")
    tag = page.get_by_role("form", name="Tag Blessure")
    tag.get_by_label("Name").fill("x" * 101)
    tag.get_by_role("button", name="Save").click()
    tag = page.get_by_role("form", name="Tag Blessure")  # the stored name still names it
    expect(tag.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(tag.get_by_label("Name")).to_have_value("x" * 101)
    tag.get_by_label("Name").fill("Blessure knie")
    tag.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("The tag is saved.")
    page.get_by_role("button", name="Delete (comes off every member): Blessure knie").click()
    expect(page.get_by_role("status")).to_have_text("The tag is deleted and taken off every member.")
    expect(page.get_by_text("No tags yet.")).to_be_visible()


def test_session_types_added_and_a_days_description_shows_in_the_agenda(
    page: Page, stack: Stack, studio: dict[str, Any]
) -> None:
    """Runs after the schedule tests: tomorrow's Spinning session gets the day's description."""
    tomorrow = studio["today"] + timedelta(days=1)
    page.goto(f"{stack.url}/settings/session-types")
    new = page.get_by_role("region", name="New session type")
    new.get_by_label("Name").fill("Bootcamp")
    new.get_by_label("Description").fill("Outside, whatever the weather")
    new.get_by_role("button", name="Add the session type").click()
    expect(page.get_by_role("status")).to_have_text("The session type is added.")
    expect(page.get_by_test_id("session-types")).to_contain_text("Bootcamp · Outside, whatever the weather")

    day = page.get_by_role("region", name="Description for one day")
    day.get_by_label("Session type").select_option(label="Spinning")
    day.get_by_label("Day").fill(tomorrow.isoformat())
    day.get_by_role("button", name="Set the day's description").click()  # no description: refused
    day = page.get_by_role("region", name="Description for one day")
    expect(day.get_by_label("Description")).to_have_attribute("aria-invalid", "true")
    day.get_by_label("Description").fill("Intervals: 8 x 2 minutes")
    day.get_by_role("button", name="Set the day's description").click()
    expect(page.get_by_role("status")).to_have_text("The day's description is set.")

    page.goto(f"{stack.url}/agenda?day={tomorrow.isoformat()}")
    expect(page.locator(".day li").filter(has_text="Spinning").first).to_contain_text("Intervals: 8 x 2 minutes")
