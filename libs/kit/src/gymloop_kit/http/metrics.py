"""HTTP request metrics: rate, errors and latency per route, for every service and the gateway.

Requests are labelled by the route's template (`/bookings/{booking_id}`), never the raw path, so the number
of series stays bounded whatever the clients send; a request that matched no route counts as `unmatched`.
Statuses are grouped into classes (2xx, 4xx, 5xx). Scrapes of /metrics itself are not counted.
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"

http_requests = Counter(
    "gymloop_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status_class"]
)
http_duration = Histogram(
    "gymloop_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def route_template(scope: Scope) -> str:
    """The template of the route the router matched (it writes it into the scope), or `unmatched`."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else UNMATCHED


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            method, route = scope.get("method", ""), route_template(scope)
            http_requests.labels(self.service, method, route, f"{status // 100}xx").inc()
            http_duration.labels(self.service, method, route).observe(time.perf_counter() - started)


def metrics_answer() -> Response:
    """This process's metrics in Prometheus' text format (what every /metrics serves)."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
