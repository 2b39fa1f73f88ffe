"""The back office's billing, import, communication and reports pages in a real browser (Playwright driving
Debian's Chromium) against every service, the gateway and the web app (the e2e `stack`): a payment run made on
the page with its problem named and its pain.008 file downloaded, an import with an error file then a good file,
a message to a group with its deliveries, and the occupancy chart drawn from the report's figures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from gymloop_devstack.testing import answered, wait_until
from playwright.sync_api import Browser, Page, expect

from .conftest import Stack
from .test_e2e_import_saga import filled_template
from .web_setup import NewStudio, chromium, logged_in

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the studio's zone until its admins set another
PASSWORD = "Ledger-Poppy-6142!"
CREDITOR = {"collection_method": "sepa_export", "creditor_name": "Sportschool Kas",
            "creditor_iban": "NL91ABNA0417164300", "creditor_id": "NL57ZZZ999999999999"}  # fmt: skip
MONTHLY = {"name": "Unlimited", "kind": "unlimited", "price_cents": 4500, "currency": "EUR", "period": "monthly"}
PACK = {"name": "4 rides", "kind": "session_pack", "sessions": 4, "price_cents": 3600, "currency": "EUR",
        "period": "one_off", "valid_days": 90}  # fmt: skip
PAIN_008 = "urn:iso:std:iso:20022:tech:xsd:pain.008"


def today() -> date:
    return datetime.now(UTC).astimezone(AMSTERDAM).date()


@pytest.fixture(scope="module")
def studio(stack: Stack) -> dict[str, Any]:
    """Written through the gateway: Bram on a monthly plan with a mandate, Anna on one without (tagged Ochtend),
    Cas on a ride card signed up for tomorrow's session that coach Carla gives (1 of 4 places)."""
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        studio = NewStudio.sign_up(client, "Kas Gym", ("Kim", "Kas"), PASSWORD, "operations-web.example.com")
        admin = studio.admin
        answered(client.put("/api/v1/billing/billing-settings", json=CREDITOR, headers=admin), 200)
        monthly = answered(client.post("/api/v1/billing/plans", json=MONTHLY, headers=admin), 201)
        pack = answered(client.post("/api/v1/billing/plans", json=PACK, headers=admin), 201)
        tag = answered(client.post("/api/v1/members/tags", json={"name": "Ochtend"}, headers=admin), 201)
        carla = studio.person("Carla", "Coach", role="employee")
        bram, cas = studio.person("Bram", "Bos"), studio.person("Cas", "Claes")
        anna = studio.person("Anna", "de Vries", tag_ids=[tag["id"]])
        mandate = {"mandate_reference": "KAS-BRAM", "iban": "NL91ABNA0417164300", "account_holder": "Bram Bos",
                   "signed_on": (today() - timedelta(days=10)).isoformat()}  # fmt: skip
        for person, plan in ((bram, monthly), (anna, monthly), (cas, pack)):
            studio.billing_knows(person)
            body = {"member_id": person["id"], "plan_id": plan["id"], "start_date": today().isoformat()}
            answered(client.post("/api/v1/billing/subscriptions", json=body, headers=admin), 201)
        answered(client.put(f"/api/v1/billing/members/{bram['id']}/mandate", json=mandate, headers=admin), 200)

        location = answered(client.post("/api/v1/bookings/locations", json={"name": "Zaal 3"}, headers=admin), 201)
        kind = answered(client.post("/api/v1/bookings/session-types", json={"name": "Spinning"}, headers=admin), 201)
        one_off = {"location_id": location["id"], "session_type_id": kind["id"],
                   "day": (today() + timedelta(days=1)).isoformat(), "start_time": "19:00", "duration_minutes": 45,
                   "capacity": 4, "coach_id": carla["id"]}  # fmt: skip
        session = answered(client.post("/api/v1/bookings/sessions", json=one_off, headers=admin), 201)
        account = f"/api/v1/bookings/members/{cas['id']}/account"
        wait_until(lambda: client.get(account, headers=admin).json().get("credits_left") == 4, "Cas's 4 rides")
        booking = {"member_id": cas["id"]}
        answered(client.post(f"/api/v1/bookings/sessions/{session['id']}/bookings", json=booking, headers=admin), 201)
    return {"email": studio.email, "domain": studio.domain}


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, stack: Stack, studio: dict[str, Any]) -> Iterator[Page]:
    """A fresh browser profile logged in as the admin, allowed the clipboard (the import log's Copy)."""
    with logged_in(
        browser, stack.url, studio["email"], PASSWORD, permissions=["clipboard-read", "clipboard-write"]
    ) as page:
        yield page


def test_a_payment_run_names_the_member_left_out_and_its_file_is_pain_008(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/billing")
    page.get_by_label("Collection date").fill((today() + timedelta(days=10)).isoformat())
    page.get_by_label("Period").fill("December")
    page.get_by_role("button", name="Create the payment run").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Payment run for")
    expect(page.get_by_test_id("run-items")).to_have_text("1")  # Bram; Anna has no mandate
    expect(page.get_by_test_id("run-total")).to_have_text("EUR 45.00")
    problems = page.get_by_test_id("run-problems")
    expect(problems.get_by_role("link", name="Anna de Vries")).to_be_visible()
    expect(problems).to_contain_text("left out")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the pain.008 file").click()
    xml = (download.value.path().read_bytes()).decode()
    assert xml.startswith("<?xml")
    assert PAIN_008 in xml
    assert "Bram Bos" in xml
    assert "Anna" not in xml

    page.get_by_role("link", name="Back to billing").click()
    expect(page.get_by_test_id("runs")).to_contain_text("December")


def test_an_import_shows_the_error_files_rows_then_imports_the_good_file_with_its_log(
    page: Page, stack: Stack, studio: dict[str, Any]
) -> None:
    page.goto(f"{stack.url}/imports")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (.xlsx)").click()
    template = download.value.path().read_bytes()
    email = f"lotte-{uuid.uuid4().hex[:6]}@{studio['domain']}"
    person = {"First name": "Lotte", "Last name": "Jansen", "E-mail": email, "Start date": today()}
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    wrong = filled_template(template, [{**person, "E-mail": "lotte-at-nowhere"}])
    page.get_by_label("Filled-in template").set_input_files({"name": "wrong.xlsx", "mimeType": xlsx, "buffer": wrong})
    page.get_by_role("button", name="Dry run: show what would change").click()
    issues = page.get_by_test_id("import-issues")
    expect(issues).to_contain_text("nothing was imported")
    expect(issues.get_by_role("listitem").first).to_contain_text("Row 2, column C (E-mail *)")
    expect(issues.get_by_role("listitem").first).to_contain_text("'lotte-at-nowhere' is not a valid e-mail address")

    good = filled_template(template, [person])
    page.get_by_label("Filled-in template").set_input_files({"name": "good.xlsx", "mimeType": xlsx, "buffer": good})
    page.get_by_role("button", name="Dry run: show what would change").click()
    expect(page.get_by_test_id("dry-run")).to_contain_text(email)
    expect(page.get_by_test_id("dry-run")).to_contain_text("1 to create")

    page.get_by_label("Filled-in template").set_input_files({"name": "good.xlsx", "mimeType": xlsx, "buffer": good})
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_test_id("import-status")).to_have_text("Completed", timeout=60_000)  # polled, then reloaded
    log = page.get_by_test_id("import-log")
    expect(log.locator("pre")).to_contain_text(email)
    log.get_by_role("button", name="Copy the log").click()
    expect(log.get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert email in page.evaluate("navigator.clipboard.readText()")
    with page.expect_download() as csv:
        log.get_by_role("link", name="Download the log (CSV)").click()
    assert email in csv.value.path().read_text()


def test_a_message_to_a_group_reaches_its_tagged_member_only(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/communication")
    form = page.get_by_test_id("new-message")
    form.get_by_label("Subject").fill("Early class moves")
    form.get_by_label("Message").fill("From Monday the early class starts at 6:30.")
    form.get_by_label("To").select_option(label="the members with a tag")
    form.get_by_label("Tag (for a group)").select_option(label="Ochtend")
    form.get_by_role("button", name="Send the message").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Early class moves")
    expect(page.get_by_test_id("message-audience")).to_have_text("the members with a tag: Ochtend")
    deliveries = page.get_by_test_id("deliveries")
    expect(deliveries.get_by_role("row").filter(has_text="Anna de Vries")).to_contain_text("in_app")
    expect(deliveries).not_to_contain_text("Bram Bos")

    page.get_by_role("link", name="Back to communication").click()
    sent = page.get_by_test_id("sent-messages").get_by_role("listitem").first
    expect(sent.get_by_role("link", name="Early class moves")).to_be_visible()
    expect(sent).to_contain_text("in_app: delivered: 1")


def test_a_message_to_one_member_without_choosing_them_is_refused_next_to_the_member_control(
    page: Page, stack: Stack
) -> None:
    page.goto(f"{stack.url}/communication")
    form = page.get_by_test_id("new-message")
    form.get_by_label("Subject").fill("Your card")
    form.get_by_label("Message").fill("Come by the desk.")
    form.get_by_label("To").select_option(label="one member")
    form.get_by_role("button", name="Send the message").click()
    expect(page.locator("#e-member_id")).to_have_text("name the member")


def test_the_occupancy_chart_is_drawn_from_the_reports_figures(page: Page, stack: Stack) -> None:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    page.goto(f"{stack.url}/reports/occupancy?by=coach&first_day={tomorrow}&days=1")
    row = page.get_by_test_id("occupancy-report").get_by_role("row").filter(has_text="Carla Coach")
    expect(row).to_contain_text("1 / 4")
    expect(row).to_contain_text("25%")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]'))")
    drawn = page.evaluate(
        "() => { const c = Chart.getChart(document.querySelector('canvas[data-chart]'));"
        " return {labels: c.data.labels, values: c.data.datasets[0].data}; }"
    )
    assert drawn == {"labels": ["Carla Coach"], "values": [25]}

    page.goto(f"{stack.url}/reports?tag=Ochtend")
    report = page.get_by_test_id("members-report")
    expect(report.get_by_role("row").filter(has_text="Anna de Vries")).to_contain_text("Unlimited")
    expect(report).not_to_contain_text("Bram Bos")
    with page.expect_download() as csv:
        page.get_by_role("link", name="Export CSV").click()
    exported = csv.value.path().read_text()
    assert "Anna de Vries" in exported
    assert "Bram Bos" not in exported
