"""Two ASGI middlewares: the session cookie (opened before the route, sealed into the answer after it) and the
security headers every page carries."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gymloop_web.gateway import browser_address
from gymloop_web.session import COOKIE_NAME, SessionSealer, WebSession

SESSION_STATE_KEY = "web_session"
# Paths without a session: assets, and the probes (no cookie for a load balancer's every check).
SESSIONLESS_PREFIXES = ("/static/", "/health", "/ready", "/metrics", "/app/sw.js", "/app/manifest.webmanifest")

# Our own scripts and styles only: no CDN, no inline script, nothing framed, forms post only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def _cookie_of(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie" and (found := cookie_parser(value.decode("latin-1")).get(name)):
            return found
    return None


class SessionMiddleware:
    """Puts the visitor's WebSession into `request.state.web_session` (a new anonymous one when the cookie is
    missing or does not open) and, when the route changed it or it belongs to a logged-in user (sliding expiry),
    seals it into the answer: HttpOnly, SameSite=Lax, Path=/, Secure when the request came over https."""

    def __init__(self, app: ASGIApp, sealer: SessionSealer) -> None:
        self.app = app
        self.sealer = sealer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(SESSIONLESS_PREFIXES):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        browser_address.set(client[0] if client else None)
        cookie = _cookie_of(scope, COOKIE_NAME)
        opened = self.sealer.open(cookie) if cookie else None
        session = opened or WebSession()
        before = None if opened is None else session.to_json()
        scope.setdefault("state", {})[SESSION_STATE_KEY] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current: WebSession = scope["state"][SESSION_STATE_KEY]  # a route may replace it (login, logout)
                if current.to_json() != before or current.logged_in:
                    headers = MutableHeaders(scope=message)
                    headers.append("set-cookie", self.cookie_header(current, secure=scope.get("scheme") == "https"))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def cookie_header(self, session: WebSession, *, secure: bool) -> str:
        parts = [
            f"{COOKIE_NAME}={self.sealer.seal(session)}",
            "Path=/",
            f"Max-Age={self.sealer.max_age_s}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if secure:
            parts.append("Secure")
        return "; ".join(parts)


class SecurityHeadersMiddleware:
    """CSP, no framing, no sniffing, no referrer to other sites; pages are never stored by caches (they show a
    studio's members), the static assets may be."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("x-frame-options", "DENY")
                headers.setdefault("referrer-policy", "same-origin")
                if not static:
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
