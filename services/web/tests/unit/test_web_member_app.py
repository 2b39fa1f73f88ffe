"""The member app (/app) in-process, with no gateway behind it: what it answers by itself (the PWA's manifest,
icons and service worker, the way to the login, the e-mailed link's token leaving the address bar, CSRF on every
form of it, a staff login refused), and its templates escaping whatever a studio or a member typed."""

import json
import struct
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.routing import APIRoute
from gymloop_devstack.testing import service_client
from gymloop_web.app import create_app
from gymloop_web.messages import EN, translator
from gymloop_web.rendering import environment
from gymloop_web.routes.app_member import Rules
from gymloop_web.session import COOKIE_NAME, SessionSealer, WebSession
from gymloop_web.settings import WebSettings

pytestmark = pytest.mark.unit

SECRET = "m" * 40
SETTINGS = WebSettings(web_session_secrets=[SECRET], web_gateway_url="http://127.0.0.1:9")  # nothing listens
SEALER = SessionSealer([SECRET], max_age_s=3600)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
async def web():
    async with service_client(create_app(SETTINGS)) as client:
        yield client


def logged_in_session(role: str) -> WebSession:
    """A session with (unusable) tokens that do not expire soon: the page decides before calling the gateway."""
    return WebSession(
        access_token="a", refresh_token="r", access_expires_at=time.time() + 600, role=role,
        member_id="0190b6a4-0000-7000-8000-000000000001", studio_name="Gym",
    )  # fmt: skip


def logged_in_cookie(role: str) -> str:
    return SEALER.seal(logged_in_session(role))


def app_post_routes() -> list[str]:
    def walk(routes: list[Any]):
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)

    app = create_app(SETTINGS)
    return sorted({r.path for r in walk(app.routes) if "POST" in (r.methods or set()) and r.path.startswith("/app/")})


async def test_the_app_is_installable_manifest_icons_and_service_worker(web):
    landing = await web.get("/app/")
    assert landing.status_code == 200
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in landing.text
    assert '<script src="/static/app/app.js" defer></script>' in landing.text
    assert 'name="viewport" content="width=device-width' in landing.text

    manifest = await web.get("/app/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert "set-cookie" not in manifest.headers
    body = manifest.json()
    assert body["scope"] == "/app/"
    assert body["start_url"].startswith(body["scope"])
    assert body["display"] == "standalone"
    sizes = set()
    for icon in body["icons"]:
        png = await web.get(icon["src"])
        assert png.status_code == 200
        assert png.headers["content-type"] == "image/png"
        width, height = struct.unpack(">II", png.content[16:24])  # the IHDR chunk
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add(width)
    assert {192, 512} <= sizes  # what browsers ask of an installable app

    worker = await web.get("/app/sw.js")
    assert worker.status_code == 200
    assert "javascript" in worker.headers["content-type"]
    assert "set-cookie" not in worker.headers
    assert 'addEventListener("fetch"' in worker.text
    offline = await web.get("/app/offline")
    assert offline.status_code == 200
    assert "You are offline" in offline.text
    assert '"/app/offline"' in worker.text  # the page it keeps


async def test_a_member_page_without_login_goes_to_the_app_login(web):
    answer = await web.get("/app/agenda")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/login"
    htmx = await web.get("/app/bookings", headers={"HX-Request": "true"})
    assert htmx.headers["hx-redirect"] == "/app/login"
    login = await web.get("/app/login")
    assert login.status_code == 200
    assert 'action="/app/login"' in login.text
    missing = await web.get("/app/nope")
    assert missing.status_code == 404
    assert "Back to the app" in missing.text  # the member app's error page, not the back office's


async def test_a_staff_login_gets_no_member_page_and_the_gateway_is_never_asked(web):
    web.cookies.set(COOKIE_NAME, logged_in_cookie("admin"))
    answer = await web.get("/app/agenda")
    assert answer.status_code == 403
    assert "The member app is for a studio&#39;s members" in answer.text


async def test_a_member_page_says_so_when_the_platform_does_not_answer(web):
    web.cookies.set(COOKIE_NAME, logged_in_cookie("member"))
    answer = await web.get("/app/agenda")
    assert answer.status_code == 503
    assert "does not answer right now" in answer.text
    assert "Back to the app" in answer.text


async def test_the_emailed_link_moves_its_token_into_the_session_and_out_of_the_address(web):
    landed = await web.get("/verify-email", params={"token": "secret-token-123"})
    assert landed.status_code == 303
    assert landed.headers["location"] == "/app/verify"
    cookie = landed.cookies.get(COOKIE_NAME)
    assert cookie
    opened = SEALER.open(cookie)
    assert opened is not None
    assert opened.verify_token == "secret-token-123"
    page = await web.get("/app/verify")
    assert "Confirm and become a member" in page.text
    assert "secret-token-123" not in page.text  # the page never shows the credential
    web.cookies.clear()
    empty = await web.get("/app/verify")
    assert "needs the link from your sign-up e-mail" in empty.text


async def test_a_slug_that_cannot_be_a_studios_address_is_told_at_the_field(web):
    answer = await web.get("/app/studios", params={"slug": "<b>no such</b>"})
    assert answer.status_code == 422
    assert 'aria-invalid="true"' in answer.text
    assert "No studio has this address" in answer.text
    assert "<b>no such</b>" not in answer.text
    assert 'value="&lt;b&gt;no such&lt;/b&gt;"' in answer.text
    found = await web.get("/app/studios", params={"slug": " Fit-Amsterdam "})
    assert found.status_code == 303
    assert found.headers["location"] == "/app/studios/fit-amsterdam"


async def test_every_member_app_form_refuses_a_post_without_the_sessions_csrf_token(web):
    routes = app_post_routes()
    assert {"/app/login", "/app/logout", "/app/verify", "/app/studios/{slug}/sign-up", "/app/calendar",
            "/app/calendar/revoke", "/app/sessions/{session_id}/{action}", "/app/inbox/{message_id}/read",
            "/app/plans/{plan_id}/sepa", "/app/plans/{plan_id}/pay", "/app/membership/{subscription_id}/cancel",
            "/app/membership/iban"} <= set(
        routes
    )  # fmt: skip
    session = logged_in_session("member")
    cookie = {"Cookie": f"{COOKIE_NAME}={SEALER.seal(session)}"}
    other = WebSession().csrf
    concrete = {"{slug}": "fit-amsterdam", "{session_id}": "0190b6a4-0000-7000-8000-000000000002",
                "{action}": "book", "{message_id}": "0190b6a4-0000-7000-8000-000000000003",
                "{plan_id}": "0190b6a4-0000-7000-8000-000000000004",
                "{subscription_id}": "0190b6a4-0000-7000-8000-000000000005"}  # fmt: skip
    for route in routes:
        path = route
        for placeholder, value in concrete.items():
            path = path.replace(placeholder, value)
        for data in ({}, {"csrf_token": other}):
            web.cookies.clear()
            answer = await web.post(path, data=data, headers=cookie)
            assert answer.status_code == 403, f"POST {path} with {sorted(data)} answered {answer.status_code}"
            assert "did not come from this site" in answer.text
        web.cookies.clear()
        # only a form field or the header counts, never a JSON body's member
        as_json = await web.post(path, json={"csrf_token": session.csrf}, headers=cookie)
        assert as_json.status_code == 403, path
        # With the session's own token the request gets past the check: then it finds no gateway (503), or,
        # confirming a sign-up without the e-mailed token in the session, has nothing to confirm (400), or logs
        # out locally all the same (303).
        web.cookies.clear()
        passed = await web.post(path, data={"csrf_token": session.csrf}, headers=cookie)
        assert passed.status_code in (303, 400, 503), f"POST {path} with the token answered {passed.status_code}"
        assert "did not come from this site" not in passed.text


def render(template: str, **context: Any) -> str:
    session = WebSession(access_token="a", refresh_token="r", role="member", studio_name=HOSTILE)
    return (
        environment()
        .get_template(template)
        .render(t=translator("en"), lang="en", session=session, csrf_token="tok", path="/app/", known_keys=EN,
                **context)
    )  # fmt: skip


def rules() -> Rules:
    return Rules.of({"time_zone": "Europe/Amsterdam", "cancellation_cutoff_minutes": 120})


def test_the_studio_page_escapes_what_the_studio_typed_and_keeps_the_sign_up_form():
    page = render(
        "app/studio.html",
        page={
            "studio": {"name": HOSTILE, "address": "<i>Straat 1</i>", "timezone": "Europe/Amsterdam"},
            "plans": [{"name": "<b>10 rides</b>", "free": False, "price_cents": 9900, "currency": "EUR",
                       "period": "one_off", "sessions": 10, "weekly_limit": None, "valid_days": 90,
                       "valid_until": None}],
            "agenda": [{"day": "2026-12-04", "sessions": [
                {"name": "<img src=x onerror=alert(2)>", "starts_at": "2026-12-04T17:00:00Z",
                 "ends_at": "2026-12-04T18:00:00Z", "location": "Zaal", "status": "scheduled", "capacity": 8,
                 "free_places": 3}]}],
        },
        slug="fit", form={"first_name": '"><script>', "email": ""}, error=None, zone_name="Europe/Amsterdam",
    )  # fmt: skip
    for raw in (HOSTILE, "<i>Straat", "<b>10 rides", "<img src=x", '"><script>'):
        assert raw not in page, raw
    assert "<strong>&lt;b&gt;10 rides&lt;/b&gt;</strong> · EUR 99.00" in page
    assert "18:00\u201319:00" in page  # in the studio's zone
    assert "3 of 8 places free" in page
    assert 'value="&#34;&gt;&lt;script&gt;"' in page  # the typed name comes back as text
    assert 'name="csrf_token" value="tok"' in page
    assert 'action="/app/studios/fit/sign-up"' in page


def test_the_unavailable_parts_of_a_studio_page_are_said_so():
    down = {"unavailable": True, "service": "billing", "detail": "down"}
    page = render(
        "app/studio.html", page={"studio": {"name": "Gym", "timezone": "UTC"}, "plans": down, "agenda": down},
        slug="gym", form={}, error=None, zone_name="UTC",
    )  # fmt: skip
    assert "the billing service does not answer" in page
    assert "the bookings service does not answer" in page


def test_the_inbox_escapes_messages_and_posts_and_each_read_button_carries_the_token():
    page = render(
        "app/inbox.html",
        messages=[{"message_id": "m1", "subject": HOSTILE, "body": "<a href=x>click</a>",
                   "sent_at": "2026-12-03T09:00:00Z", "read_at": None}],
        posts=[{"title": "<h1>News</h1>", "body": "<iframe>", "published_at": "2026-12-03T09:00:00Z"}],
        zone=AMSTERDAM, posts_unavailable=False,
    )  # fmt: skip
    for raw in (HOSTILE, "<a href=x>", "<h1>News", "<iframe>"):
        assert raw not in page, raw
    assert 'action="/app/inbox/m1/read"' in page
    assert page.count('name="csrf_token" value="tok"') == 2  # the read button and the logout


def test_the_booking_confirmation_shows_credits_before_and_after_and_the_late_cancel_rule():
    session = {"id": "s1", "name": HOSTILE, "starts_at": "2026-12-05T17:00:00+00:00",
               "ends_at": "2026-12-05T18:00:00+00:00", "status": "scheduled", "capacity": 8,
               "free_places": 2}  # fmt: skip
    context = {
        "s": session, "zone": AMSTERDAM, "rules": rules(), "state": "open", "place": None, "booking": None,
        "credits": 10, "covered": False, "deadline": datetime.fromisoformat("2026-12-05T15:00:00+00:00"),
        "late_now": False, "idempotency_key": "k-1", "notice": None, "error": None,
    }  # fmt: skip
    asked = render("app/session.html", confirm=None, **context)
    assert HOSTILE not in asked
    assert 'href="/app/sessions/s1/book"' in asked
    assert "Sign out before 2026-12-05 16:00 (2 hours before the start)" in asked
    confirming = render("app/session.html", confirm="book", **context)
    assert "You have 10 credits; booking takes 1: 9 left after." in confirming
    assert 'action="/app/sessions/s1/book"' in confirming
    assert 'name="idempotency_key" value="k-1"' in confirming
    late = render(
        "app/session.html", confirm="sign-out",
        **{**context, "state": "booked", "booking": {"charged_credit": True}, "credits": 9, "late_now": True},
    )  # fmt: skip
    assert "signing out now is late and the credit is forfeited. You keep 9 credits." in late
    in_time = render(
        "app/session.html", confirm="sign-out", **{**context, "state": "booked", "booking": {"charged_credit": True},
                                                  "credits": 9},
    )  # fmt: skip
    assert "You get your credit back: 9 credits now, 10 after." in in_time


def test_the_manifest_names_come_from_the_catalogue():
    from gymloop_web.routes.app_pwa import manifest

    body = manifest(translator("en"))
    assert body["name"] == EN["app.name"]
    assert json.loads(json.dumps(body)) == body
