"""The member overview's profile actions in a real browser (Playwright driving Debian's Chromium) against every
service, the gateway and the web app (the e2e `stack`): set the tags and the responsible employee, tick a
checklist action, assign another checklist, upload an attachment and download the same bytes again, set the photo
and see it."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gymloop_devstack.testing import answered
from playwright.sync_api import Browser, Page, expect

from .conftest import Stack
from .web_setup import NewStudio, chromium, logged_in

pytestmark = pytest.mark.e2e

PASSWORD = "Meadow-Anchor-6142!"
CERTIFICATE = b"%PDF-1.4\n% medical certificate: fit to train\n%%EOF\n"


@pytest.fixture(scope="module")
def studio(stack: Stack) -> dict[str, Any]:
    """An admin, a desk employee, two tags, and a member with a new-member checklist, through the gateway."""
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        studio = NewStudio.sign_up(client, "Profile Gym", ("Pim", "Owner"), PASSWORD, "profile-web.example.com")
        admin = studio.admin
        studio.person("Dana", "Desk", "employee")
        member = studio.person("Sam", "Visser")
        for name in ("Knee injury", "Early bird"):
            answered(client.post("/api/v1/members/tags", json={"name": name}, headers=admin), 201)
        template = answered(
            client.post(
                "/api/v1/members/checklists",
                json={"name": "New member", "actions": ["Intake talk", "Body scan"]},
                headers=admin,
            ),
            201,
        )
        answered(
            client.post(
                f"/api/v1/members/members/{member['id']}/checklists",
                json={"template_id": template["id"]},
                headers=admin,
            ),
            201,
        )
        answered(
            client.post("/api/v1/members/checklists", json={"name": "Trial", "actions": ["Trial lesson"]},
                        headers=admin),
            201,
        )  # fmt: skip
    return {"email": studio.email, "member": member}


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, stack: Stack, studio: dict[str, Any]) -> Iterator[Page]:
    """A fresh browser profile, logged in as the studio's admin, on the member's overview."""
    with logged_in(browser, stack.url, studio["email"], PASSWORD, accept_downloads=True) as page:
        page.goto(f"{stack.url}/members/{studio['member']['id']}")
        expect(page.get_by_test_id("member-name")).to_have_text("Sam Visser")
        yield page


def test_setting_tags_and_the_responsible_employee_shows_them_in_the_profile(page: Page) -> None:
    expect(page.get_by_test_id("tags")).to_have_text("None.")
    page.get_by_label("Knee injury").check()
    page.get_by_label("Early bird").check()
    page.get_by_role("button", name="Save the tags").click()
    expect(page.get_by_test_id("tags")).to_contain_text("Knee injury")
    expect(page.get_by_test_id("tags")).to_contain_text("Early bird")

    page.get_by_label("Early bird").uncheck()
    page.get_by_role("button", name="Save the tags").click()
    expect(page.get_by_test_id("tags")).to_have_text("Knee injury")

    page.get_by_label("Responsible employee").select_option(label="Dana Desk")
    page.get_by_role("button", name="Save the responsible employee").click()
    expect(page.get_by_test_id("responsible")).to_have_text("Dana Desk")


def test_ticking_a_checklist_action_counts_it_done(page: Page) -> None:
    checklists = page.get_by_test_id("checklists")
    expect(checklists).to_contain_text("New member (0/2)")
    checklists.get_by_role("button", name="Mark done: Intake talk").click()
    expect(page.get_by_test_id("checklists")).to_contain_text("New member (1/2)")
    expect(page.get_by_test_id("checklists").get_by_role("button", name="Not done: Intake talk")).to_be_visible()


def test_assigning_a_checklist_lists_it_to_tick_off(page: Page) -> None:
    checklists = page.get_by_test_id("checklists")
    expect(checklists.get_by_role("heading", name="Trial (0/1)")).to_have_count(0)
    checklists.get_by_label("Checklist to assign").select_option(label="Trial")
    checklists.get_by_role("button", name="Assign the checklist").click()
    expect(page.get_by_test_id("checklists").get_by_role("heading", name="Trial (0/1)")).to_be_visible()
    expect(page.get_by_test_id("checklists").get_by_role("button", name="Mark done: Trial lesson")).to_be_visible()


def one_pixel_png() -> bytes:
    """A real 1x1 PNG (members checks the type by its bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x2e\x7d\x32")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_a_photo_is_checked_by_members_then_set_and_shown(page: Page, tmp_path: Path) -> None:
    expect(page.get_by_test_id("photo")).to_have_count(0)
    not_an_image = tmp_path / "notes.txt"
    not_an_image.write_text("not a picture")
    page.get_by_label("Photo (png or jpeg)").set_input_files(str(not_an_image))
    page.get_by_role("button", name="Set the photo").click()
    expect(page.get_by_label("Photo (png or jpeg)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-photo")).to_be_visible()
    expect(page.get_by_test_id("photo")).to_have_count(0)

    photo = tmp_path / "sam.png"
    photo.write_bytes(one_pixel_png())
    page.get_by_label("Photo (png or jpeg)").set_input_files(str(photo))
    page.get_by_role("button", name="Set the photo").click()
    shown = page.get_by_test_id("photo")
    expect(shown).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 1", arg=shown.element_handle())


def test_an_uploaded_attachment_is_listed_and_downloads_with_its_bytes(page: Page, tmp_path: Path) -> None:
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#e-file")).to_have_text("Choose a file to upload.")

    source = tmp_path / "certificate.pdf"
    source.write_bytes(CERTIFICATE)
    page.get_by_label("File to attach").set_input_files(str(source))
    page.get_by_role("button", name="Upload").click()
    link = page.get_by_test_id("attachments").get_by_role("link", name="certificate.pdf")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "certificate.pdf"
    assert Path(download.value.path()).read_bytes() == CERTIFICATE
