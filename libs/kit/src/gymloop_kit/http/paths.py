"""Paths that could mean two things are refused before any routing or auth decision (400).

A dot segment (`.`, `..`, also percent-encoded as `%2e`), an encoded slash or backslash (`%2f`, `%5c`) or a
plain backslash lets a path look like one route to the code that checks it and resolve to another once a
client library, proxy or server normalises it: `/api/members/auth/password-reset/../../metrics` passes a
public-route check at the gateway and lands on `/metrics`. No route of ours needs any of them.
"""

from __future__ import annotations

from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from gymloop_kit.errors import FieldError
from gymloop_kit.http.problems import problem_body, problem_response

_ENCODED_SEPARATORS = (b"%2f", b"%5c", b"\\")
_DOT_SEGMENTS = {".", ".."}


def ambiguous_path_reason(raw_path: bytes) -> str | None:
    """Why the path (as the client sent it, still percent-encoded) is refused, or None when it is plain."""
    lowered = raw_path.lower()
    if any(separator in lowered for separator in _ENCODED_SEPARATORS):
        return "the path holds an encoded slash or a backslash: send each path segment without '/' or '\\'"
    segments = raw_path.decode("latin-1").split("/")
    if any(unquote(segment) in _DOT_SEGMENTS for segment in segments):
        return "the path holds a '.' or '..' segment: send the path the way it resolves"
    return None


class PlainPathMiddleware:
    """Answers a 400 problem for an ambiguous path; every other request passes unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path: bytes = scope.get("raw_path") or scope.get("path", "").encode()
            reason = ambiguous_path_reason(raw_path.partition(b"?")[0])
            if reason:
                body = problem_body(
                    status=400, code="ambiguous_path", detail=reason,
                    field_errors=[FieldError(("path",), reason, "ambiguous_path")],
                )  # fmt: skip
                await problem_response(body)(scope, receive, send)
                return
        await self.app(scope, receive, send)
