"""Pages rendered with Jinja2 (autoescape on: whatever a member typed shows as text), with the messages of the
configured language and the session's CSRF token in every template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from gymloop_kit.benchmark_scores import shown_score

from gymloop_web import display
from gymloop_web.messages import EN, translator
from gymloop_web.middleware import SESSION_STATE_KEY
from gymloop_web.session import WebSession

TEMPLATES_DIR = Path(__file__).parent / "templates"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template, whatever its file name
        undefined=jinja2.StrictUndefined,  # a missing variable is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        clock=display.clock,
        when=display.when,
        money=display.money,
        percent=display.percent,
        local_day=display.local_day,
        studio_zone=display.studio_zone,
        score=lambda score, scoring: shown_score(scoring, score),
    )
    env.tests["unavailable"] = display.unavailable
    return env


def session_of(request: Request) -> WebSession:
    """The visitor's session; outside the session middleware (a probe, a static file's 404) an empty one."""
    session: WebSession | None = getattr(request.state, SESSION_STATE_KEY, None)
    return session if session is not None else WebSession()


def replace_session(request: Request, session: WebSession) -> None:
    """Login and logout start a new session (a new CSRF token too, so one fixed before login is worthless)."""
    request.scope["state"][SESSION_STATE_KEY] = session


# The member app's pages (and where its sign-up e-mail's link lands), as opposed to the staff back office.
MEMBER_APP_PREFIX = "/app"
MEMBER_APP_PATHS = ("/verify-email",)


def in_member_app(request: Request) -> bool:
    path = request.url.path
    return path == MEMBER_APP_PREFIX or path.startswith(MEMBER_APP_PREFIX + "/") or path in MEMBER_APP_PATHS


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    app_state = request.app.state
    env: jinja2.Environment = app_state.templates
    session = session_of(request)
    page = env.get_template(template).render(
        t=translator(app_state.settings.web_language),
        lang=app_state.settings.web_language,
        session=session,
        csrf_token=session.csrf,
        path=request.url.path,
        known_keys=EN,  # a text for a code the API may add later falls back to the code itself
        **context,
    )
    return HTMLResponse(page, status_code=status_code)


def error_page(
    request: Request, status_code: int, title_key: str, message_key: str | None, error: Any = None
) -> HTMLResponse:
    """An error in the look of the part of the site it happened in: the member app's or the back office's."""
    template = "app/error.html" if in_member_app(request) else "error.html"
    return render(request, template, status_code, title_key=title_key, message_key=message_key, error=error)
