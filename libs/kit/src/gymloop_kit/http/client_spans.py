"""CLIENT spans for outgoing HTTP calls (the gateway's to the services, the web app's to the gateway): the callee's
SERVER span is then a child of the call, and the trace shows how long the call took on the caller's side,
connection wait included. Only the API side of OpenTelemetry: the tracer comes from the app's `Tracing`."""

from __future__ import annotations

import httpx
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.util.types import AttributeValue

from gymloop_kit.tracing import inject_trace_headers

DEFAULT_PORTS = {"http": 80, "https": 443}


class ClientSpanTransport(httpx.AsyncBaseTransport):
    """Wraps the client's transport: a span per request, named by method and host, never by path (a path may
    hold a credential, such as a calendar feed's token, and a trace leaves the platform for the collector); the
    request's `traceparent` names that span."""

    def __init__(self, inner: httpx.AsyncBaseTransport, tracer: Tracer) -> None:
        self.inner = inner
        self.tracer = tracer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        attributes: dict[str, AttributeValue] = {
            "http.request.method": request.method,
            "server.address": url.host,
            "server.port": url.port or DEFAULT_PORTS.get(url.scheme, 0),
        }
        with self.tracer.start_as_current_span(f"{request.method} {url.host}", kind=SpanKind.CLIENT,
                                               attributes=attributes) as span:  # fmt: skip
            inject_trace_headers(request.headers)
            response = await self.inner.handle_async_request(request)
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR, f"answered {response.status_code}"))
            return response

    async def aclose(self) -> None:
        await self.inner.aclose()
