"""The request guards every service installs: ambiguous paths (400) and text that cannot be stored (422)."""

from __future__ import annotations

from fastapi import FastAPI

from gymloop_kit.http.paths import PlainPathMiddleware
from gymloop_kit.http.storable import StorableTextMiddleware


def guard_requests(app: FastAPI) -> None:
    """Install after the problem handlers and before the correlation middleware, so refusals are logged."""
    app.add_middleware(StorableTextMiddleware)
    app.add_middleware(PlainPathMiddleware)  # outer: a path is judged before anything is matched on it
