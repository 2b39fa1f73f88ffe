"""Route dependencies: the gateway client, the logged-in staff session, the admin session, the member app's
member session, and the CSRF check that the app applies to every request with a body (POST, PUT, PATCH,
DELETE)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from gymloop_web.gateway import Gateway
from gymloop_web.rendering import session_of
from gymloop_web.session import WebSession

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    """A state-changing request without this session's CSRF token: answered 403."""


class NotStaff(Exception):
    """Logged in, but with a role the page is not for (a member anywhere, an employee on an admin page)."""


class NotLoggedIn(Exception):
    """No session with tokens: the browser is sent to the login page (the member app's under /app)."""


class NotMember(Exception):
    """Logged in as staff on a member app page: the member app is for a studio's members."""


async def require_csrf(request: Request) -> None:
    """Synchronizer token: the form field `csrf_token` (or the X-CSRF-Token header htmx sends) must equal the one
    in the session cookie, which another site can neither read nor set."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    expected = session_of(request).csrf
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def staff_session(request: Request) -> WebSession:
    session = session_of(request)
    if not session.logged_in:
        raise NotLoggedIn
    if not session.is_staff:
        raise NotStaff
    return session


def admin_session(session: Annotated[WebSession, Depends(staff_session)]) -> WebSession:
    if not session.is_admin:
        raise NotStaff
    return session


def member_session(request: Request) -> WebSession:
    session = session_of(request)
    if not session.logged_in:
        raise NotLoggedIn
    if not session.is_member:
        raise NotMember
    return session


GatewayDep = Annotated[Gateway, Depends(gateway_of)]
StaffSession = Annotated[WebSession, Depends(staff_session)]
AdminSession = Annotated[WebSession, Depends(admin_session)]
MemberSession = Annotated[WebSession, Depends(member_session)]
