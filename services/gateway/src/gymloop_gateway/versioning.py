"""The versioned public path: `/api/v1/<service>/...` is canonical, `/api/<service>/...` its alias.

One rewrite, before anything looks at the path: `/api/v1/<rest>` becomes `/api/<rest>` in both `path` and
`raw_path`, so the ambiguous-path check, the public-route match, the routing and the forwarding all see the
same thing, and the gateway's routes (the proxy, the views) exist once. The merged OpenAPI document shows the
canonical paths, and services build their links from the canonical prefix the gateway sends them.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

API_PREFIX = "/api/"
VERSION = "v1"
VERSIONED_PREFIX = f"/api/{VERSION}/"


def canonical(path: str) -> str:
    """`/api/<rest>` -> `/api/v1/<rest>`; a path already versioned, or outside /api/, stays as it is."""
    if path.startswith(API_PREFIX) and not path.startswith(VERSIONED_PREFIX):
        return VERSIONED_PREFIX + path.removeprefix(API_PREFIX)
    return path


def unversioned(path: str) -> str:
    """`/api/v1/<rest>` -> `/api/<rest>`: the path the gateway's routes are written for."""
    return API_PREFIX + path.removeprefix(VERSIONED_PREFIX) if path.startswith(VERSIONED_PREFIX) else path


class VersionedPathMiddleware:
    """Serves `/api/v1/...` by the routes of `/api/...`.

    Only a prefix spelled plainly in the raw path is rewritten: an encoded `v1` (`/api/%761/`) stays as sent
    (and names no service), so `path` and `raw_path` never tell two different stories.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            raw_path: bytes | None = scope.get("raw_path")
            prefix = VERSIONED_PREFIX.encode()
            if path.startswith(VERSIONED_PREFIX) and (raw_path is None or raw_path.startswith(prefix)):
                scope = dict(scope, path=unversioned(path))
                if raw_path is not None:
                    scope["raw_path"] = API_PREFIX.encode() + raw_path.removeprefix(prefix)
        await self.app(scope, receive, send)
