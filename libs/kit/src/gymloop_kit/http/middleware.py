"""Correlation ids on every request: taken from X-Correlation-ID (or made), logged, and echoed back.

The `http_request` line written here is the one log line per request (uvicorn's access log is off, see
`gymloop_kit.serve`); probes of /health, /ready and /metrics are not logged."""

from __future__ import annotations

import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gymloop_kit.logging import CORRELATION_HEADER, correlation_id_var, get_logger, traceparent_var

log = get_logger("http")


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode().lower(): value.decode() for key, value in scope.get("headers", [])}
        correlation_id = headers.get(CORRELATION_HEADER.lower()) or str(uuid.uuid4())
        correlation_token = correlation_id_var.set(correlation_id)
        trace_token = traceparent_var.set(headers.get("traceparent"))
        started = time.perf_counter()
        status = 500

        async def send_with_header(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((CORRELATION_HEADER.lower().encode(), correlation_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            path = scope.get("path", "")
            if path not in ("/health", "/ready", "/metrics"):
                client = scope.get("client")
                log.info("http_request", method=scope.get("method"), path=path, status=status,
                         duration_ms=round((time.perf_counter() - started) * 1000, 2),
                         client=client[0] if client else None)  # fmt: skip
            correlation_id_var.reset(correlation_token)
            traceparent_var.reset(trace_token)
