"""What the browser tests of the back office share: a studio signed up through the gateway with its people, Debian's
Chromium, and a fresh browser profile logged in as the studio's admin."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from gymloop_devstack.testing import answered, wait_until
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .test_e2e_web_back_office import CHROMIUM_ARGS, chromium_path


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (its own browser download does not work on our machines)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class NewStudio:
    """A studio and its admin, signed up through the gateway; `domain` makes every e-mail of it unique."""

    client: httpx.Client
    email: str
    password: str
    admin: dict[str, str]
    domain: str

    @classmethod
    def sign_up(cls, client: httpx.Client, name: str, owner: tuple[str, str], password: str, domain: str) -> NewStudio:
        email = f"owner-{uuid.uuid4().hex[:8]}@{domain}"
        body = {"studio_name": name, "email": email, "password": password, "first_name": owner[0],
                "last_name": owner[1]}  # fmt: skip
        signed_up = answered(client.post("/api/v1/members/studios/signup", json=body), 201)
        admin = {"Authorization": f"Bearer {signed_up['access_token']}"}
        return cls(client=client, email=email, password=password, admin=admin, domain=domain)

    def person(self, first: str, last: str, role: str = "member", **extra: Any) -> dict[str, Any]:
        """`extra`: more of members' MemberIn (tag_ids, ...)."""
        body = {"email": f"{first.lower()}-{uuid.uuid4().hex[:8]}@{self.domain}", "first_name": first,
                "last_name": last, "role": role, **extra}  # fmt: skip
        return answered(self.client.post("/api/v1/members/members", json=body, headers=self.admin), 201)

    def billing_knows(self, member: dict[str, Any]) -> None:
        """Billing learns of a member from members' events: wait until it answers for them."""
        path = f"/api/v1/billing/members/{member['id']}/payment-state"
        wait_until(
            lambda: self.client.get(path, headers=self.admin).status_code == 200,
            f"billing to know {member['first_name']}",
        )


@contextmanager
def logged_in(browser: Browser, base_url: str, email: str, password: str, **context_options: Any) -> Iterator[Page]:
    """A fresh browser profile logged in through the login page, on the dashboard; closed afterwards."""
    context = browser.new_context(viewport={"width": 1200, "height": 800}, **context_options)
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    try:
        yield page
    finally:
        context.close()
