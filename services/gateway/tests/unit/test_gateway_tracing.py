"""The gateway's span per request, a CLIENT span per call it makes, and the `traceparent` it forwards: the service
behind it gets the gateway's call as its parent, in the trace the client started (a client's own traceparent is
continued, not passed on)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

pytestmark = pytest.mark.unit

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_TRACEPARENT = f"00-{CLIENT_TRACE}-00f067aa0ba902b7-01"


def service_behind_the_gateway() -> FastAPI:
    app = FastAPI()

    @app.post("/auth/login")
    async def seen(request: Request) -> dict[str, str | None]:
        return {"traceparent": request.headers.get("traceparent")}

    return app


@pytest.fixture(autouse=True)
def no_endpoint(monkeypatch):
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


async def forwarded_traceparent(spans: InMemorySpanExporter | None, headers: dict[str, str]) -> str | None:
    gateway = create_app(
        GatewaySettings(service_urls={"members": "http://members"}, jwt_public_key=KeyPair.generate().public_pem),
        transport=httpx.ASGITransport(app=service_behind_the_gateway()),
        span_exporter=spans,
    )
    async with gateway.router.lifespan_context(gateway):
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gym.example") as client:
            answer = await client.post("/api/v1/members/auth/login", headers=headers)
            assert answer.status_code == 200, answer.text
            assert (await client.get("/health")).status_code == 200
            value: str | None = answer.json()["traceparent"]
            return value


def server_and_client(spans: InMemorySpanExporter) -> tuple[ReadableSpan, ReadableSpan]:
    """The gateway's span for the request and the one for its call to the service (the probe of /health makes
    none)."""
    finished = spans.get_finished_spans()
    (server,) = [span for span in finished if span.kind is SpanKind.SERVER]
    (client,) = [span for span in finished if span.kind is SpanKind.CLIENT]
    assert len(finished) == 2, [span.name for span in finished]
    return server, client


async def test_the_service_gets_the_gateways_call_as_parent_in_the_clients_trace():
    spans = InMemorySpanExporter()
    forwarded = await forwarded_traceparent(spans, {"traceparent": CLIENT_TRACEPARENT})
    server, client = server_and_client(spans)
    assert server.resource.attributes["service.name"] == "gateway"
    assert server.name == "POST /api/{service}/{path:path}"
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert client.parent is not None
    assert client.parent.span_id == server.context.span_id
    assert client.name == "POST members"  # method and host: never the path, which may hold a credential
    assert client.attributes["http.response.status_code"] == 200
    assert forwarded == f"00-{CLIENT_TRACE}-{client.context.span_id:016x}-01"


async def test_a_request_without_a_trace_starts_one_at_the_gateway():
    spans = InMemorySpanExporter()
    forwarded = await forwarded_traceparent(spans, {})
    server, client = server_and_client(spans)
    assert server.parent is None
    assert forwarded is not None
    assert forwarded.split("-")[1:3] == [f"{server.context.trace_id:032x}", f"{client.context.span_id:016x}"]


async def test_without_tracing_the_clients_traceparent_passes_through():
    assert await forwarded_traceparent(None, {"traceparent": CLIENT_TRACEPARENT}) == CLIENT_TRACEPARENT
    assert await forwarded_traceparent(None, {}) is None
