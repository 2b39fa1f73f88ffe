"""Text PostgreSQL cannot store is refused at the edge, as field errors (422), before any endpoint runs.

A NUL character (U+0000) is valid JSON (`"\\u0000"`) and valid in a URL (`%00`), but a PostgreSQL text
column refuses it (`invalid byte sequence for encoding "UTF8": 0x00`), so without this check it surfaces
as a 500 from whichever query first sees it. Checked once here for every query parameter, path parameter
and JSON or form body field, so no route has to remember it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gymloop_kit.errors import FieldError
from gymloop_kit.http.problems import problem_body, problem_response

NUL = "\x00"
NUL_MESSAGE = "contains a NUL character (U+0000), which cannot be stored: remove it"
NUL_CODE = "nul_character"

Location = tuple[str | int, ...]


def nul_locations(value: Any, loc: Location) -> Iterator[Location]:
    """Where in a decoded JSON document a string (a value or a key) holds a NUL."""
    pending: list[tuple[Any, Location]] = [(value, loc)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                yield where
        elif isinstance(item, dict):
            for key, child in item.items():
                if NUL in key:
                    yield (*where, key)
                pending.append((child, (*where, key)))
        elif isinstance(item, list):
            pending.extend((child, (*where, index)) for index, child in enumerate(item))


def query_nul_locations(query_string: bytes) -> list[Location]:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return [("query", key) for key, value in pairs if NUL in key or NUL in value]


def path_nul_locations(scope: Scope) -> list[Location]:
    path: str = scope.get("path", "")
    if NUL not in path:
        return []
    named: list[Location] = [
        ("path", name) for name, value in _path_params(scope.get("app"), path).items() if NUL in value
    ]
    return named or [("path",)]


def _path_params(app: Any, path: str) -> dict[str, str]:
    """The path parameters of the documented route `path` matches, found through the app's OpenAPI paths:
    this runs before routing, and FastAPI's router offers no public way to match a path without handling it."""
    try:
        templates = app.openapi().get("paths", {})
    except Exception:  # no OpenAPI (not a FastAPI app, or docs off): the path alone is named
        return {}
    for template in templates:
        match = _template_pattern(template).fullmatch(path)
        if match:
            return match.groupdict()
    return {}


@functools.lru_cache(maxsize=1024)
def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)  # literal, name, literal, name, ...
    return re.compile(
        "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)" for index, part in enumerate(parts))
    )


def body_nul_locations(content_type: str, body: bytes) -> list[Location]:
    if b"\\u0000" not in body and b"%00" not in body:
        return []  # the only ways to write a NUL in these bodies (a raw one is invalid JSON)
    if "json" in content_type:
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return []  # not JSON: the endpoint's own validation answers that
        return sorted(set(nul_locations(document, ("body",))), key=str)
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
    return [("body", key) for key, value in pairs if NUL in key or NUL in value]


def _content_type(scope: Scope) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-type":
            return str(value.decode("latin-1").lower())
    return ""


def _is_checked_body(content_type: str) -> bool:
    media_type = content_type.partition(";")[0].strip()
    return media_type == "application/x-www-form-urlencoded" or media_type.endswith(("/json", "+json"))


class StorableTextMiddleware:
    """Answers 422 with one field error per input holding a NUL; other requests pass with their body intact."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = path_nul_locations(scope) + query_nul_locations(scope.get("query_string", b""))
        content_type = _content_type(scope)
        if _is_checked_body(content_type):
            body, receive = await _read_body(receive)
            found += body_nul_locations(content_type, body)
        if found:
            await _refuse(found, scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a `receive` that hands it on again to the app."""
    chunks: list[bytes] = []
    first: list[Message] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            first.append(message)  # the client went away: pass that on
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replay: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *first]

    async def replaying() -> Message:
        return replay.pop(0) if replay else await receive()

    return body, replaying


async def _refuse(found: list[Location], scope: Scope, receive: Receive, send: Send) -> None:
    field_errors = [FieldError(loc, NUL_MESSAGE, NUL_CODE) for loc in found]
    listed = "; ".join(".".join(map(str, loc)) for loc in found)
    count = len(found)
    body = problem_body(
        status=422, code="validation_failed", title="Invalid input", field_errors=field_errors,
        detail=f"the request has {count} invalid {'value' if count == 1 else 'values'}: {listed}: {NUL_MESSAGE}",
    )  # fmt: skip
    await problem_response(body)(scope, receive, send)
