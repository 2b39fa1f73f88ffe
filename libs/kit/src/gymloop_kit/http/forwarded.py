"""Who the client is: the connection's peer, or what a trusted proxy says it saw.

X-Forwarded-For and X-Forwarded-Proto are believed only when the connection comes from one of the
`trusted_proxies` (GYMLOOP_TRUSTED_PROXIES); anyone else could write them. Uvicorn's ProxyHeadersMiddleware
does the work (it takes the nearest address that no trusted proxy added). It is installed once per app, so
`request.client` and `request.url.scheme` are the client's everywhere; uvicorn's own copy of it stays off
(see `serve`), or its default of trusting 127.0.0.1 would decide instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


def trust_forwarded_headers(app: FastAPI, trusted_proxies: Sequence[str]) -> None:
    """Believe the forwarded headers of `trusted_proxies` (addresses or CIDR networks) only; empty: nobody's."""
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))


def client_address(request: Request) -> str | None:
    """The client's IP address as far as this service can tell; None when the server does not know the peer."""
    return request.client.host if request.client else None
