"""The app in-process, with no gateway behind it: what it answers by itself (assets, headers, CSRF, probes)."""

import re
from pathlib import Path

import pytest
from gymloop_devstack.testing import service_client
from gymloop_web.app import STATIC_DIR, create_app
from gymloop_web.rendering import TEMPLATES_DIR
from gymloop_web.settings import WebSettings

pytestmark = pytest.mark.unit

SETTINGS = WebSettings(web_session_secrets=["k" * 40], web_gateway_url="http://127.0.0.1:9")  # nothing listens


@pytest.fixture
async def web():
    async with service_client(create_app(SETTINGS)) as client:
        yield client


async def test_assets_are_served_by_the_app_and_the_pages_load_nothing_from_elsewhere(web):
    htmx = await web.get("/static/htmx.min.js")
    assert htmx.status_code == 200
    assert "javascript" in htmx.headers["content-type"]
    assert "htmx" in htmx.text[:200]
    assert (await web.get("/static/style.css")).status_code == 200
    for template in Path(TEMPLATES_DIR).rglob("*.html"):  # the member app's (app/) too
        assert not re.search(r"""(src|href)=["'](https?:)?//""", template.read_text()), template.name
    assert (Path(STATIC_DIR) / "htmx.LICENSE.txt").exists()


async def test_a_page_carries_the_security_headers_and_a_fresh_session_cookie(web):
    page = await web.get("/login")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("gymloop_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert 'name="csrf_token"' in page.text


async def test_a_post_without_the_sessions_token_is_403_before_anything_else(web):
    web.cookies.clear()
    refused = await web.post("/login", data={"email": "a@b.c", "password": "x"})
    assert refused.status_code == 403
    assert "did not come from this site" in refused.text


async def test_the_probes_set_no_cookie_and_ready_says_the_gateway_is_down(web):
    health = await web.get("/health")
    assert health.json() == {"status": "ok", "service": "web"}
    assert "set-cookie" not in health.headers
    ready = await web.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["gateway"] == "down"


async def test_a_page_needing_a_login_sends_the_browser_to_the_login_page(web):
    answer = await web.get("/members")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    htmx = await web.get("/members", headers={"HX-Request": "true"})
    assert htmx.headers["hx-redirect"] == "/login"
    missing = await web.get("/nope")
    assert missing.status_code == 404
    assert "Page not found" in missing.text


def test_session_secrets_are_required_outside_local():
    with pytest.raises(ValueError, match="GYMLOOP_WEB_SESSION_SECRETS"):
        WebSettings(environment="production")
    with pytest.raises(ValueError, match="at least 32"):
        WebSettings(web_session_secrets=["short"])
