"""The staff back office in a real browser (Playwright driving Debian's Chromium) against real processes: the
web app behind the gateway, members on the embedded PostgreSQL and Tansu, the SMTP sink.

First login through the e-mailed link, login and logout, the members list and its search, role-based navigation,
a member account refused, CSRF on every POST route of the app, the session cookie's flags, no token in any URL
or log line, and a member's name shown as text however much it looks like HTML."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.routing import APIRoute
from gymloop_devstack.dev import DevSettings, DevStack
from gymloop_web.app import create_app
from gymloop_web.session import COOKIE_NAME, SessionSealer, WebSession
from gymloop_web.settings import WebSettings
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect, sync_playwright

from .conftest import free_ports_env

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_EMAIL = "owner@web-e2e.example.com"
ADMIN_PASSWORD = "Lantern-Harbor-4821!"
EMPLOYEE_EMAIL = "desk@web-e2e.example.com"
EMPLOYEE_PASSWORD = "Copper-Meadow-7394!"
MEMBER_EMAIL = "peter@web-e2e.example.com"
MEMBER_PASSWORD = "Violet-Canyon-2658!"
SCRIPT_NAME = "<script>alert(1)</script>"
ACCESS_TOKEN_TTL_S = 40  # the web app refreshes 30 s before expiry (gymloop_web.gateway.REFRESH_MARGIN_S)


def chromium_path() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not found:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install -y chromium)")
    return found


@dataclass
class WebStack:
    dev: DevStack
    url: str
    mail_url: str
    sealer: SessionSealer
    admin_token: str = ""
    seen_urls: list[str] = field(default_factory=list)
    seen_tokens: set[str] = field(default_factory=set)
    dialogs: list[str] = field(default_factory=list)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=15.0, trust_env=False)

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with self.client() as client:
            return client.request(method, path, headers=headers, **kwargs)

    def mails_to(self, email: str) -> list[dict[str, Any]]:
        with httpx.Client(base_url=self.mail_url, timeout=5.0, trust_env=False) as client:
            entries = client.get("/mail", params={"to": email}).json()
            return [client.get(f"/mail/{entry['id']}").json() for entry in entries]

    def wait_for_link(self, email: str, known: int = 0, timeout_s: float = 30.0) -> str:
        """The set-password link of the newest mail to `email`, once more than `known` mails arrived."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            mails = self.mails_to(email)
            if len(mails) > known:
                links = [link for link in mails[0]["links"] if "password?token=" in link]
                assert links, f"no password link in {mails[0]['text']!r}"
                return str(links[0])
            time.sleep(0.3)
        raise AssertionError(f"no mail to {email} within {timeout_s}s")

    def session_in(self, context: BrowserContext) -> WebSession:
        """The browser's session opened with the stack's secret: the tokens the web app holds for it."""
        cookie = next(c for c in context.cookies() if c["name"] == COOKIE_NAME)
        session = self.sealer.open(cookie["value"])
        assert session is not None
        for token in (session.access_token, session.refresh_token):
            if token:
                self.seen_tokens.add(token)
        return session


@pytest.fixture(scope="module")
def web(server_dir_factory: Callable[[str], Path]) -> Iterator[WebStack]:
    """Only members behind the gateway (the pages so far need no other service; the machine has two cores)."""
    data_dir = server_dir_factory("web-stack") / "data"
    with pytest.MonkeyPatch.context() as env:
        for key, value in free_ports_env(data_dir).items():
            env.setenv(key, value)
        env.setenv("GYMLOOP_DEV_SERVICES", json.dumps(["members"]))
        settings = DevSettings(demo=False, ready_timeout_s=90.0)
    lines: list[str] = []
    dev = DevStack(settings, out=lines.append)
    try:
        with pytest.MonkeyPatch.context() as env:
            # Short access tokens (the processes inherit the environment), so the transparent refresh happens here.
            env.setenv("GYMLOOP_ACCESS_TOKEN_TTL_S", str(ACCESS_TOKEN_TTL_S))
            dev.start()
        if not dev.ready_after_s or dev.web is None or not dev.web.alive() or dev.sink is None:
            pytest.fail("the stack did not get ready:\n" + "\n".join(lines))
        sealer = SessionSealer([dev.web_session_secret()], max_age_s=3600)
        stack = WebStack(dev, dev.gateway_url, dev.sink.http_url, sealer)
        seed(stack)
        yield stack
    finally:
        dev.stop()
        if os.environ.get("GYMLOOP_E2E_VERBOSE"):
            print("\n".join(lines))


def seed(stack: WebStack) -> None:
    """A studio with its admin, an employee and members (no password yet: they get the first-login e-mail)."""
    signup = stack.api(
        "POST",
        "/api/members/studios/signup",
        json={"studio_name": "Studio Web", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD,
              "first_name": "Olga", "last_name": "Owner"},
    )  # fmt: skip
    assert signup.status_code == 201, signup.text
    stack.admin_token = signup.json()["access_token"]
    people = [
        (EMPLOYEE_EMAIL, "Dirk", "Desk", "employee"),
        (MEMBER_EMAIL, "Peter", "Jansen", "member"),
        ("anna@web-e2e.example.com", "Anna", "Jansen", "member"),
        ("karel@web-e2e.example.com", "Karel", "de Vries", "member"),
        ("xss@web-e2e.example.com", SCRIPT_NAME, "Script", "member"),
    ]
    for email, first, last, role in people:
        created = stack.api(
            "POST", "/api/members/members", stack.admin_token,
            json={"email": email, "first_name": first, "last_name": last, "role": role,
                  "is_member": role == "member"},
        )  # fmt: skip
        assert created.status_code == 201, created.text


@pytest.fixture(scope="module")
def browser(web: WebStack) -> Iterator[Browser]:
    """After the stack: Playwright's sync API keeps an event loop running in this thread, where the stack's own
    asyncio.run calls could not run."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, web: WebStack) -> Iterator[BrowserContext]:
    """A fresh browser profile per test (its own cookies) that records every URL it requests."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})

    def record(request: Request) -> None:
        web.seen_urls.append(request.url)

    context.on("request", record)
    context.on("dialog", lambda dialog: (web.dialogs.append(dialog.message), dialog.dismiss()))
    yield context
    if any(c["name"] == COOKIE_NAME for c in context.cookies()):
        web.session_in(context)  # collects the tokens it held, for the URL and log check
    context.close()


@pytest.fixture
def page(context: BrowserContext, web: WebStack) -> Page:
    return context.new_page()


def log_in(page: Page, web: WebStack, email: str, password: str) -> None:
    page.goto(f"{web.url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_first_login_through_the_emailed_link(page: Page, web: WebStack, context: BrowserContext) -> None:
    """An employee made by the admin has no password: trying to log in sends the set-password e-mail; its link
    lands on our page, loses the token from the address bar, sets the password, and the login then works."""
    known = len(web.mails_to(EMPLOYEE_EMAIL))
    log_in(page, web, EMPLOYEE_EMAIL, "anything-at-all")
    expect(page.get_by_role("alert")).to_be_visible()
    assert urlsplit(page.url).path == "/login"

    link = web.wait_for_link(EMPLOYEE_EMAIL, known)
    assert link.startswith(f"{web.url}/set-password?token=")
    email_token = link.split("token=", 1)[1]
    web.seen_tokens.add(email_token)
    page.goto(link)
    assert page.url == f"{web.url}/set-password", "the e-mailed token must leave the address bar"
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()

    page.get_by_label("New password", exact=True).fill(EMPLOYEE_PASSWORD)
    page.get_by_label("New password again").fill(EMPLOYEE_PASSWORD + "x")
    page.get_by_role("button", name="Save the password").click()
    expect(page.locator("#e-repeat_password")).to_contain_text("differ")

    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password again").fill("short")
    page.get_by_role("button", name="Save the password").click()
    # members' password rule, shown next to the field it is about (errors[].loc = ["body", "new_password"])
    expect(page.locator("#e-new_password")).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("aria-invalid", "true")

    page.get_by_label("New password", exact=True).fill(EMPLOYEE_PASSWORD)
    page.get_by_label("New password again").fill(EMPLOYEE_PASSWORD)
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    assert urlsplit(page.url).path == "/login"

    page.get_by_label("E-mail").fill(EMPLOYEE_EMAIL)
    page.get_by_label("Password", exact=True).fill(EMPLOYEE_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, " + EMPLOYEE_EMAIL)).to_be_visible()
    assert web.session_in(context).role == "employee"

    # The link is used up: opening it again says so instead of offering a form that cannot work.
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(EMPLOYEE_PASSWORD + "2")
    page.get_by_label("New password again").fill(EMPLOYEE_PASSWORD + "2")
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()


def test_admin_dashboard_login_logout_and_cookie_flags(page: Page, web: WebStack, context: BrowserContext) -> None:
    log_in(page, web, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, " + ADMIN_EMAIL)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Settings")).to_be_visible()
    expect(nav.get_by_role("link", name="Members")).to_be_visible()
    expect(page.get_by_text("You work in Studio Web as admin.")).to_be_visible()
    expect(page.get_by_test_id("active-members")).to_have_text("6")  # the admin, the employee and 4 members
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    cookie = next(c for c in context.cookies() if c["name"] == COOKIE_NAME)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain http here; over https (X-Forwarded-Proto) it is Secure, see below
    assert page.evaluate("document.cookie") == "", "no script may read the session"
    session = web.session_in(context)
    assert session.access_token
    assert session.refresh_token
    assert session.role == "admin"

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out")
    page.goto(f"{web.url}/")
    assert urlsplit(page.url).path == "/login"
    # The refresh token the session held is revoked at members, not only forgotten by the browser.
    refreshed = web.api("POST", "/api/members/auth/refresh", json={"refresh_token": session.refresh_token})
    assert refreshed.status_code == 401


def test_secure_cookie_over_https(web: WebStack) -> None:
    """Behind a TLS-terminating proxy the gateway says https (X-Forwarded-Proto), and the cookie is Secure."""
    assert web.dev.web is not None
    with httpx.Client(base_url=web.dev.web_url, timeout=10.0, trust_env=False) as client:
        answer = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        plain = client.get("/login")
    assert answer.status_code == 200
    flags = answer.headers["set-cookie"].split("; ")
    assert "Secure" in flags
    assert "HttpOnly" in flags
    assert "SameSite=Lax" in flags
    assert "Secure" not in plain.headers["set-cookie"].split("; ")


def test_members_list_with_search_and_member_text_escaped(page: Page, web: WebStack) -> None:
    log_in(page, web, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    expect(page.get_by_test_id("member-count")).to_have_text("6 found")

    page.get_by_label("Search by name or e-mail").fill("jansen")  # htmx updates the results while typing
    expect(page.get_by_test_id("member-count")).to_have_text("2 found")
    names = page.locator("td.name").all_inner_texts()
    assert sorted(names) == ["Anna Jansen", "Peter Jansen"]
    assert "q=jansen" in page.url  # the search is in the address, so it can be shared and reloaded

    page.get_by_label("Search by name or e-mail").fill("script")
    expect(page.get_by_test_id("member-count")).to_have_text("1 found")
    expect(page.locator("td.name")).to_have_text(f"{SCRIPT_NAME} Script")
    assert page.locator("td.name script").count() == 0
    page.reload()
    expect(page.locator("td.name")).to_have_text(f"{SCRIPT_NAME} Script")
    assert web.dialogs == [], "a member's name ran as script"

    page.get_by_label("Search by name or e-mail").fill("x" * 101)  # members refuses: shown at the search box
    expect(page.locator("#member-results .alert")).to_be_visible()


def tab_to(page: Page, element_id: str, presses: int = 8) -> None:
    """Tab until the element has the focus, as a keyboard user would; fails when it is not in the tab order."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reached with {presses} presses of Tab")


def test_on_a_phone_with_the_keyboard_only(browser: Browser, web: WebStack) -> None:
    """A coach at the desk with a phone: no sideways scrolling, every control reachable and labelled, and the
    whole login and search done with the keyboard."""
    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    phone.on("request", lambda request: web.seen_urls.append(request.url))
    page = phone.new_page()
    try:
        page.goto(f"{web.url}/login")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        tab_to(page, "f-email")
        page.keyboard.type(EMPLOYEE_EMAIL)
        tab_to(page, "f-password")
        page.keyboard.type(EMPLOYEE_PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Welcome, " + EMPLOYEE_EMAIL)).to_be_visible()
        page.goto(f"{web.url}/members")
        page.get_by_label("Search by name or e-mail").focus()
        page.keyboard.type("vries")
        expect(page.get_by_test_id("member-count")).to_have_text("1 found")
        expect(page.locator("td.name")).to_have_text("Karel de Vries")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(el => !(el.labels && el.labels.length)).map(el => el.name)"""
        )
        assert unlabelled == []
        page.screenshot(path=str(SCREENSHOTS / "members-phone.png"), full_page=True)
    finally:
        phone.close()


def test_the_access_token_is_refreshed_transparently_once_for_parallel_requests(
    page: Page, web: WebStack, context: BrowserContext
) -> None:
    """Once the access token is about to expire, the next requests trade the refresh token; two requests of the
    page at the same moment present it once (members would revoke the whole family on a reuse), and the user
    never notices."""
    log_in(page, web, EMPLOYEE_EMAIL, EMPLOYEE_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, " + EMPLOYEE_EMAIL)).to_be_visible()
    before = web.session_in(context)
    assert before.access_expires_at - time.time() <= ACCESS_TOKEN_TTL_S
    time.sleep(max(0.0, before.access_expires_at - 30 - time.time()) + 1)
    statuses = page.evaluate(
        """async () => {
            const pages = await Promise.all(["/members?q=jansen", "/members?q=vries"].map(
                url => fetch(url, {headers: {"HX-Request": "true", "HX-Target": "member-results"}})));
            return Promise.all(pages.map(async p => [p.status, await p.text()]));
        }"""
    )
    assert [status for status, _ in statuses] == [200, 200]
    assert "2 found" in statuses[0][1]
    assert "1 found" in statuses[1][1]
    after = web.session_in(context)
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token
    page.goto(f"{web.url}/members")  # the rotated family still works: nothing was revoked
    expect(page.get_by_test_id("member-count")).to_have_text("6 found")
    reused = web.api("POST", "/api/members/auth/refresh", json={"refresh_token": before.refresh_token})
    assert reused.status_code == 401  # rotation: the old refresh token is spent


def test_employee_sees_no_admin_links_and_gets_403_on_admin_pages(page: Page, web: WebStack) -> None:
    log_in(page, web, EMPLOYEE_EMAIL, EMPLOYEE_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, " + EMPLOYEE_EMAIL)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Members")).to_be_visible()
    assert page.locator("a[data-admin]").count() == 0
    assert page.locator('a[href="/settings"]').count() == 0
    admin_pages = ("/settings", "/settings/notifications", "/settings/notifications/delete", "/settings/bookings",
                   "/settings/tags", "/settings/session-types")  # fmt: skip
    for admin_page in admin_pages:
        answer = page.goto(f"{web.url}{admin_page}")
        assert answer is not None
        assert answer.status == 403, admin_page
        expect(page.get_by_role("heading", name="Not for your role")).to_be_visible()


def test_admin_settings_show_api_errors_next_to_the_field(page: Page, web: WebStack) -> None:
    log_in(page, web, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{web.url}/settings")
    expect(page.get_by_label("Studio name")).to_have_value("Studio Web")
    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#e-timezone")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_attribute("aria-invalid", "true")
    assert page.locator("#e-name").count() == 0


def test_member_account_cannot_use_the_back_office(page: Page, web: WebStack, context: BrowserContext) -> None:
    set_password_by_mail(web, MEMBER_EMAIL, MEMBER_PASSWORD)
    log_in(page, web, MEMBER_EMAIL, MEMBER_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("the back office is for the studio's staff")
    assert not web.session_in(context).logged_in
    page.goto(f"{web.url}/members")
    assert urlsplit(page.url).path == "/login"


def test_forgot_password_sends_a_reset_link_that_works(page: Page, web: WebStack) -> None:
    email, password = "anna@web-e2e.example.com", "Orchid-Lagoon-5137!"
    known = len(web.mails_to(email))
    page.goto(f"{web.url}/login")
    page.get_by_role("link", name="Forgot your password, or never chose one?").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text("a link to choose a password is on its way")
    link = web.wait_for_link(email, known)
    assert link.startswith(f"{web.url}/")
    assert "password?token=" in link
    web.seen_tokens.add(link.split("token=", 1)[1])
    page.goto(link)
    assert "token" not in page.url
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password again").fill(password)
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    log_in(page, web, email, password)  # the password works; Anna is a member, so the back office says no
    expect(page.get_by_role("alert")).to_contain_text("the back office is for the studio's staff")


def set_password_by_mail(web: WebStack, email: str, password: str) -> None:
    known = len(web.mails_to(email))
    web.api("POST", "/api/members/auth/password-reset", json={"email": email})
    link = web.wait_for_link(email, known)
    token = link.split("token=", 1)[1]
    web.seen_tokens.add(token)
    answer = web.api("POST", "/api/members/auth/set-password", json={"token": token, "new_password": password})
    assert answer.status_code == 204, answer.text


def post_routes() -> list[str]:
    """Every POST path of the web app, its routers' routes included (the app mounts them without a prefix)."""

    def walk(routes: list[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):  # FastAPI's included router
                yield from walk(route.original_router.routes)

    app = create_app(WebSettings(web_session_secrets=["x" * 40]))
    return sorted({route.path for route in walk(app.routes) if "POST" in (route.methods or set())})


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_every_post_route_refuses_a_request_without_the_csrf_token(web: WebStack) -> None:
    """Walks the app's routes: each POST, sent by a logged-in admin's browser session without the token or with
    another session's token, is 403 and changes nothing; the same login with the token works."""
    routes = post_routes()
    assert {"/login", "/logout", "/set-password", "/settings", "/switch-studio"} <= set(routes)
    with web.client() as browser_like, web.client() as other:
        token = CSRF_INPUT.search(browser_like.get("/login").text).group(1)  # type: ignore[union-attr]
        other_token = CSRF_INPUT.search(other.get("/login").text).group(1)  # type: ignore[union-attr]
        credentials = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        assert browser_like.post("/login", data=credentials).status_code == 403
        assert browser_like.post("/login", data={**credentials, "csrf_token": other_token}).status_code == 403
        logged_in = browser_like.post("/login", data={**credentials, "csrf_token": token})
        assert logged_in.status_code == 303
        assert logged_in.headers["location"] == "/"
        session_token = CSRF_INPUT.search(browser_like.get("/").text).group(1)  # type: ignore[union-attr]
        assert session_token != token, "a login starts a new session with a new CSRF token"
        for path in routes:
            for data in ({}, {"csrf_token": token}, {"csrf_token": other_token}):
                answer = browser_like.post(path, data={**data, "name": "Hijacked", "timezone": "UTC"})
                assert answer.status_code == 403, f"POST {path} with {sorted(data)} answered {answer.status_code}"
            header_less = browser_like.post(path, json={"name": "Hijacked"})
            assert header_less.status_code == 403, f"POST {path} as JSON answered {header_less.status_code}"
        still = browser_like.get("/settings")
        assert "Studio Web" in still.text
        assert "Hijacked" not in still.text


def test_a_login_in_several_studios_chooses_one_and_switches(
    page: Page, web: WebStack, context: BrowserContext
) -> None:
    """Runs after the single-studio tests: the admin opens a second studio, so their login now asks which."""
    login = web.api("POST", "/api/members/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    token = login.json()["tokens"]["access_token"]  # the sign-up's token has expired by now (short tokens here)
    opened = web.api("POST", "/api/members/studios", token, json={"name": "Studio Zuid"})
    assert opened.status_code == 201, opened.text
    log_in(page, web, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("several studios")
    studio = page.get_by_label("Studio", exact=True)
    assert sorted(studio.locator("option").all_inner_texts()) == ["Studio Web", "Studio Zuid"]
    expect(page.get_by_label("E-mail")).to_have_value(ADMIN_EMAIL)
    studio.select_option(label="Studio Web")
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("You work in Studio Web as admin.")).to_be_visible()
    before = web.session_in(context)

    page.get_by_label("Studio", exact=True).select_option(label="Studio Zuid")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_text("You work in Studio Zuid as admin.")).to_be_visible()
    expect(page.get_by_test_id("active-members")).to_have_text("1")  # only the admin there
    after = web.session_in(context)
    assert after.studio_id != before.studio_id
    page.goto(f"{web.url}/settings")
    expect(page.get_by_label("Studio name")).to_have_value("Studio Zuid")
    # The first studio's refresh token was given back on the switch.
    refreshed = web.api("POST", "/api/members/auth/refresh", json={"refresh_token": before.refresh_token})
    assert refreshed.status_code == 401


def test_no_token_in_any_url_or_log_line(web: WebStack) -> None:
    """Runs last: every URL the browser asked for and every log line of every process of the stack is free of
    the access, refresh and e-mailed tokens the tests above used."""
    assert len(web.seen_tokens) >= 4, "the tests above should have collected tokens"
    assert web.seen_urls, "the browser tests above should have recorded their requests"
    email_tokens = {url.split("token=", 1)[1] for url in web.seen_urls if "token=" in url}
    for url in web.seen_urls:
        for token in web.seen_tokens - email_tokens:  # the e-mailed link is the one URL that must carry its token
            assert token not in url, f"a token in {url[:80]}"
    logs = sorted(web.dev.logs_dir.glob("*.log"))
    assert {"web.log", "gateway.log", "members.log"} <= {path.name for path in logs}
    for path in logs:
        text = path.read_text(errors="replace")
        for token in web.seen_tokens:
            assert token not in text, f"a token in {path.name}"
