"""The OpenTelemetry SDK side of `gymloop_kit.tracing`, imported only when tracing is on: the SDK, the OTLP
exporter and the instrumentations take a while to import, and a process without tracing never needs them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult, TraceIdRatioBased
from opentelemetry.trace import SpanKind, Tracer
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gymloop_kit.http.client_spans import ClientSpanTransport
from gymloop_kit.http.metrics import route_template

if TYPE_CHECKING:
    import httpx
    from fastapi import FastAPI

    from gymloop_kit.settings import ServiceSettings

# Probes and scrapes come every few seconds from the orchestrator and Prometheus: no trace is worth making.
UNTRACED_PATHS = "/health$,/ready$,/metrics$"
# Where the HTTP instrumentation writes the path and query (older and current semantic conventions).
URL_ATTRIBUTES = frozenset({"http.target", "http.url", "url.path", "url.query", "url.full"})


class CausedOnly(Sampler):
    """Follows the parent's decision, and samples new traces at `ratio`; but a database statement that nothing
    caused (the relay's polling, housekeeping, the consumer's inbox bookkeeping between events) starts no trace:
    those would be thousands of one-span traces an hour that tell nobody anything."""

    def __init__(self, ratio: float = 1.0) -> None:
        self._inner = ParentBased(TraceIdRatioBased(ratio))

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Any = None,
        links: Sequence[Any] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT and not trace.get_current_span(parent_context).get_span_context().is_valid:
            return SamplingResult(Decision.DROP)
        return self._inner.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"CausedOnly{{{self._inner.get_description()}}}"


@dataclass
class Tracing:
    """One app's tracing: its provider (which exports) and the tracer the kit's own spans come from."""

    provider: TracerProvider
    tracer: Tracer = field(init=False)
    _engines: list[EngineTracer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tracer = self.provider.get_tracer("gymloop_kit")

    def instrument_app(self, app: FastAPI) -> None:
        """A SERVER span around every request (outermost, so the request's log lines carry its ids)."""
        app.add_middleware(RouteNotPathMiddleware)  # inside the span the instrumentor wraps around the app
        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=self.provider, meter_provider=NoOpMeterProvider(), excluded_urls=UNTRACED_PATHS,
            exclude_spans=["receive", "send"],  # one span per ASGI message would bury the request's own
        )  # fmt: skip

    def instrument_engine(self, engine: AsyncEngine) -> None:
        """A CLIENT span per SQL statement. The engine tracer is used directly, not `SQLAlchemyInstrumentor`:
        the instrumentor is process-wide (one provider for all engines), and it would patch `create_engine`."""
        tracer = self.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy")
        usage = NoOpMeterProvider().get_meter("gymloop_kit").create_up_down_counter("db.client.connections.usage")
        self._engines.append(EngineTracer(tracer, engine.sync_engine, usage))

    def instrument_client(self, transport: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        """A CLIENT span per outgoing HTTP call of an httpx client built on `transport`."""
        return ClientSpanTransport(transport, self.provider.get_tracer("gymloop_kit.http"))

    def shutdown(self) -> None:
        """Exports what is still queued, then stops the exporter."""
        self.provider.shutdown()


class RouteNotPathMiddleware:
    """A span names the route's template where the instrumentation wrote the request's path and query: a path
    may hold a credential (a calendar feed's token), and a trace leaves the platform for the collector."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        named = False

        def name_the_route() -> None:
            nonlocal named
            named = True
            if (span := trace.get_current_span()).is_recording():
                template = route_template(scope)
                for key in URL_ATTRIBUTES.intersection(getattr(span, "attributes", None) or {}):
                    span.set_attribute(key, template)

        async def send_naming_the_route(message: Message) -> None:
            # At the answer's start: the route is known by then, and the span ends with the answer's last byte.
            if message["type"] == "http.response.start" and not named:
                name_the_route()
            await send(message)

        try:
            await self.app(scope, receive, send_naming_the_route)
        finally:
            if not named:  # it raised before answering: the error handler outside answers, the span is still open
                name_the_route()


def build_tracing(
    service: str, settings: ServiceSettings, endpoint: str | None, exporter: SpanExporter | None
) -> Tracing:
    """An app's tracing: spans to the OTLP `endpoint` in batches, and each at once to `exporter` (tests)."""
    resource = Resource.create({"service.name": service, "deployment.environment.name": settings.environment})
    provider = TracerProvider(resource=resource, sampler=CausedOnly(settings.tracing_sample_ratio))
    if endpoint is not None:
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(provider)
