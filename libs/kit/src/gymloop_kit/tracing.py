"""Traces with OpenTelemetry: a span per HTTP request, per database statement and per consumed event, exported
over OTLP/HTTP, and the W3C trace context carried through HTTP calls, the outbox and Kafka.

Tracing is on when an OTLP endpoint is configured (`GYMLOOP_TRACING_OTLP_ENDPOINT`, or OpenTelemetry's own
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`); without one nothing is instrumented and
no span is made, and the `traceparent` a request or event arrived with is handed on unchanged, so a traced
service further on still joins the caller's trace.

Each app has its own `TracerProvider` (named by its `service.name`), not the process-wide global one: tests run
several services in one process, and each span must still say which service made it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, MutableMapping, Sequence
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
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gymloop_kit.http.metrics import route_template
from gymloop_kit.logging import traceparent_var

if TYPE_CHECKING:
    from fastapi import FastAPI
    from gymloop_contracts import Envelope

    from gymloop_kit.settings import ServiceSettings

TRACE_HEADERS = ("traceparent", "tracestate")
# Probes and scrapes come every few seconds from the orchestrator and Prometheus: no trace is worth making.
UNTRACED_PATHS = "/health$,/ready$,/metrics$"
# Where the HTTP instrumentation writes the path and query (older and current semantic conventions).
URL_ATTRIBUTES = frozenset({"http.target", "http.url", "url.path", "url.query", "url.full"})
_propagator = TraceContextTextMapPropagator()


def otlp_traces_endpoint(settings: ServiceSettings) -> str | None:
    """Where spans go (the collector's OTLP/HTTP traces URL), or None: tracing is off."""
    if base := settings.tracing_otlp_endpoint.strip():
        return base.rstrip("/") + "/v1/traces"
    if traces := os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip():
        return traces  # the signal-specific variable is the full URL, as OpenTelemetry defines it
    if base := os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip():
        return base.rstrip("/") + "/v1/traces"
    return None


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


def start_tracing(service: str, settings: ServiceSettings, exporter: SpanExporter | None = None) -> Tracing | None:
    """The app's tracing, or None when no endpoint is configured and no `exporter` is given (tests pass one, such
    as OpenTelemetry's InMemorySpanExporter; it gets every span at once, the OTLP exporter gets them in batches)."""
    endpoint = otlp_traces_endpoint(settings)
    if endpoint is None and exporter is None:
        return None
    resource = Resource.create({"service.name": service, "deployment.environment.name": settings.environment})
    provider = TracerProvider(resource=resource, sampler=CausedOnly(settings.tracing_sample_ratio))
    if endpoint is not None:
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(provider)


def trace_headers() -> dict[str, str]:
    """`traceparent` (and `tracestate`) naming the span in hand, for an outgoing call or message; without
    tracing, the `traceparent` this work arrived with, if any."""
    carrier: dict[str, str] = {}
    if trace.get_current_span().get_span_context().is_valid:
        _propagator.inject(carrier)
    elif (arrived := traceparent_var.get()) is not None:
        carrier["traceparent"] = arrived
    return carrier


def inject_trace_headers(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Puts the trace context of the work in hand on an outgoing request's headers, replacing any the client
    sent (the callee's span is then a child of ours). Works for any HTTP client's header mapping."""
    for key in [key for key in headers if key.lower() in TRACE_HEADERS]:
        del headers[key]
    headers.update(trace_headers())
    return headers


def current_traceparent() -> str | None:
    """The `traceparent` an event written now carries (the outbox stores it in the envelope)."""
    return trace_headers().get("traceparent")


@contextlib.contextmanager
def consuming(
    tracer: Tracer | None, envelope: Envelope, *, consumer: str, topic: str, partition: int, offset: int
) -> Iterator[None]:
    """A CONSUMER span around one event's handling, continuing the trace its envelope carries (the span that
    wrote it to the outbox is its parent). The handler's statements and the events it writes are inside it."""
    if tracer is None:
        yield
        return
    parent = _propagator.extract({"traceparent": envelope.traceparent}) if envelope.traceparent else None
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": topic,
        "messaging.destination.partition.id": str(partition),
        "messaging.kafka.offset": offset,
        "messaging.consumer.group.name": consumer,
        "messaging.message.id": str(envelope.event_id),
        "gymloop.event_type": envelope.event_type,
        "gymloop.studio_id": str(envelope.studio_id),
    }
    with tracer.start_as_current_span(f"process {topic}", context=parent, kind=SpanKind.CONSUMER,
                                      attributes=attributes):  # fmt: skip
        yield
