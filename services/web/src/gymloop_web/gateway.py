"""The web app's only way to the platform: the gateway's public API, with the user's access token.

An access token about to expire is traded for a new pair first (and a 401 triggers one refresh and a retry), so
a user never sees the 15-minute expiry; a refresh token that no longer works ends the session (LoginRequired).
API errors come back as ApiError with the problem document's field errors keyed by field name, so a page shows
each one next to its control.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from gymloop_kit.logging import CORRELATION_HEADER, current_correlation_id, get_logger
from gymloop_kit.tracing import inject_trace_headers

from gymloop_web.session import WebSession

log = get_logger("web.gateway")

# Refresh when less than this is left of the access token, so a call never carries one that expires in flight.
REFRESH_MARGIN_S = 30.0
# A refresh answer is reused for the same old refresh token this long: two requests of one page (htmx) that
# both find the token expired must not both present it, as members revokes the whole family on reuse.
REFRESH_REUSE_S = 60.0
PROBLEM_LOCATIONS = frozenset({"body", "query", "path", "header"})
# The browser's address, set per request (gymloop_web.middleware): passed on as X-Forwarded-For, so members can
# count failed logins per person's address once the gateway lists the web app among its trusted proxies;
# until then the gateway replaces it with the web app's own address.
browser_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("browser_address", default=None)


@dataclass
class ApiError(Exception):
    """An answer of 400 or more: `fields` maps a field name to its (first) message, `general` holds the rest;
    `entries` are the problem document's errors as sent (an import's file has one per row and column)."""

    status: int
    code: str
    detail: str
    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, answer: httpx.Response) -> ApiError:
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return cls(answer.status_code, "http_error", f"the platform answered {answer.status_code}")
        error = cls(answer.status_code, str(body.get("code") or "error"), str(body.get("detail") or ""))
        for entry in body.get("errors") or []:
            if not isinstance(entry, dict):
                continue
            error.entries.append(entry)
            loc, message = entry.get("loc") or [], str(entry.get("msg") or error.detail)
            name = field_name(loc)
            if name is None:
                error.general.append(message)
            else:
                error.fields.setdefault(name, message)
        if not error.fields and not error.general and error.detail:
            error.general.append(error.detail)
        return error


def field_name(loc: list[Any]) -> str | None:
    """["body", "email"] -> "email"; ["body", "address", "city"] -> "address.city"; ["body"] -> None."""
    if len(loc) < 2 or loc[0] not in PROBLEM_LOCATIONS:
        return None
    return ".".join(str(part) for part in loc[1:])


# One file for a multipart upload: (file name, bytes, content type).
Upload = tuple[str, bytes, str]


class LoginRequired(Exception):
    """The session has no usable tokens (never logged in, or its refresh token was refused)."""


class GatewayUnavailable(Exception):
    """The gateway, or the service behind it, does not answer."""


class Gateway:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._refresh_lock = asyncio.Lock()
        self._recent_refreshes: dict[str, tuple[float, dict[str, Any]]] = {}

    async def _send(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: Upload | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {**(headers or {}), CORRELATION_HEADER: current_correlation_id()}
        if address := browser_address.get():
            headers["X-Forwarded-For"] = address
        if token:
            headers["Authorization"] = f"Bearer {token}"
        inject_trace_headers(headers)  # the gateway's span is a child of the page's
        clean = {key: value for key, value in (params or {}).items() if value not in (None, "")}
        try:
            answer = await self.client.request(
                method, path, headers=headers, json=json, params=clean, files={"file": files} if files else None
            )
        except httpx.HTTPError as error:
            log.warning("gateway_unreachable", method=method, path=path, error=type(error).__name__)
            raise GatewayUnavailable(str(error)) from error
        if answer.status_code in (502, 503, 504):
            raise GatewayUnavailable(f"{method} {path} answered {answer.status_code}")
        return answer

    async def public(self, method: str, path: str, *, json: Any = None) -> Any:
        """A call without a token (login, password e-mails); ApiError for any error answer."""
        answer = await self._send(method, path, token=None, json=json)
        return _body_or_raise(answer)

    async def call(
        self,
        session: WebSession,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: Upload | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """A call as the session's user, refreshing its tokens when needed (the session is updated in place);
        `files` sends one file as the multipart field `file` (an attachment upload), `headers` go along (an
        Idempotency-Key)."""
        answer = await self._as_user(session, method, path, json=json, params=params, files=files, headers=headers)
        return _body_or_raise(answer)

    async def download(self, session: WebSession, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """A file as the session's user: the answer itself (bytes and headers); ApiError for an error answer."""
        answer = await self._as_user(session, "GET", path, params=params)
        if answer.status_code >= 400:
            raise ApiError.of(answer)
        return answer

    async def _as_user(
        self,
        session: WebSession,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: Upload | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        if not session.logged_in:
            raise LoginRequired
        if session.access_expires_at - time.time() < REFRESH_MARGIN_S:
            await self.refresh(session)
        send = functools.partial(self._send, method, path, json=json, params=params, files=files, headers=headers)
        answer = await send(token=session.access_token)
        if answer.status_code == 401:
            await self.refresh(session)
            answer = await send(token=session.access_token)
            if answer.status_code == 401:
                raise LoginRequired
        return answer

    async def refresh(self, session: WebSession) -> None:
        assert session.refresh_token is not None
        key = hashlib.sha256(session.refresh_token.encode()).hexdigest()
        async with self._refresh_lock:
            now = time.monotonic()
            self._recent_refreshes = {k: v for k, v in self._recent_refreshes.items() if now - v[0] < REFRESH_REUSE_S}
            if key in self._recent_refreshes:
                tokens = self._recent_refreshes[key][1]
            else:
                answer = await self._send(
                    "POST", "/api/v1/members/auth/refresh", token=None, json={"refresh_token": session.refresh_token}
                )
                if answer.status_code != 200:
                    raise LoginRequired
                tokens = answer.json()
                self._recent_refreshes[key] = (now, tokens)
        apply_tokens(session, tokens)


def apply_tokens(session: WebSession, tokens: dict[str, Any]) -> None:
    """Members' TokenOut into the session."""
    session.access_token = tokens["access_token"]
    session.refresh_token = tokens["refresh_token"]
    session.access_expires_at = time.time() + float(tokens["expires_in"])
    session.account_id = str(tokens["account_id"])
    session.studio_id = str(tokens["studio_id"])
    session.role = str(tokens["role"])
    session.member_id = str(tokens["member_id"])


def _body_or_raise(answer: httpx.Response) -> Any:
    if answer.status_code >= 400:
        raise ApiError.of(answer)
    if answer.status_code == 204 or not answer.content:
        return None
    return answer.json()


def items_of(body: Any) -> list[Any]:
    """A list answer, in the page envelope ({"items": [...], ...}) or, from older routes, a bare array."""
    if isinstance(body, dict):
        items = body.get("items")
        return list(items) if isinstance(items, list) else []
    return list(body) if isinstance(body, list) else []


def total_of(body: Any) -> int:
    """A list answer's `total` (the page envelope's); 0 for a missing answer."""
    return int(body.get("total", 0)) if isinstance(body, dict) else 0
