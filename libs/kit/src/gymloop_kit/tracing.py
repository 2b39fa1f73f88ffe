"""Traces with OpenTelemetry: a span per HTTP request, per database statement and per consumed event, exported
over OTLP/HTTP, and the W3C trace context carried through HTTP calls, the outbox and Kafka.

Tracing is on when an OTLP endpoint is configured (`GYMLOOP_TRACING_OTLP_ENDPOINT`, or OpenTelemetry's own
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`); without one nothing is instrumented and
no span is made, and the `traceparent` a request or event arrived with is handed on unchanged, so a traced
service further on still joins the caller's trace.

This module needs only OpenTelemetry's API; the SDK side (`gymloop_kit.tracing_sdk`) is imported when tracing
is on. Each app has its own `TracerProvider` (named by its `service.name`), not the process-wide global one:
tests run several services in one process, and each span must still say which service made it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

from gymloop_kit.logging import traceparent_var

if TYPE_CHECKING:
    from gymloop_contracts import Envelope
    from opentelemetry.sdk.trace.export import SpanExporter

    from gymloop_kit.settings import ServiceSettings
    from gymloop_kit.tracing_sdk import Tracing

TRACE_HEADERS = ("traceparent", "tracestate")
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


def start_tracing(service: str, settings: ServiceSettings, exporter: SpanExporter | None = None) -> Tracing | None:
    """The app's tracing, or None when no endpoint is configured and no `exporter` is given (tests pass one, such
    as OpenTelemetry's InMemorySpanExporter; it gets every span at once, the OTLP exporter gets them in batches)."""
    endpoint = otlp_traces_endpoint(settings)
    if endpoint is None and exporter is None:
        return None
    from gymloop_kit.tracing_sdk import build_tracing  # the SDK only when tracing is on

    return build_tracing(service, settings, endpoint, exporter)


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


def start_publishing(tracer: Tracer | None, topic: str, envelope: Mapping[str, Any]) -> Span | None:
    """A PRODUCER span for the relay's publish of one event, a child of the span that wrote it to the outbox (the
    envelope's `traceparent`); None without tracing, or when the event was written outside any trace (a
    housekeeping job's): a publish alone would be a one-span trace that tells nobody anything."""
    if tracer is None or not (written_in := envelope.get("traceparent")):
        return None
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "send",
        "messaging.destination.name": topic,
        "messaging.message.id": str(envelope["event_id"]),
        "gymloop.event_type": str(envelope["event_type"]),
    }
    parent = _propagator.extract({"traceparent": written_in})
    return tracer.start_span(f"publish {topic}", context=parent, kind=SpanKind.PRODUCER, attributes=attributes)


def traceparent_of(span: Span) -> str | None:
    """The `traceparent` naming `span` (the Kafka header of a published event: the consumer's parent)."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get("traceparent")


def end_publishing(span: Span | None, error: BaseException | None) -> None:
    """Ends a publish span once the broker acknowledged the event, or did not (`error`)."""
    if span is None:
        return
    if error is not None:
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    span.end()


@contextlib.contextmanager
def consuming(
    tracer: Tracer | None,
    envelope: Envelope,
    *,
    traceparent: str | None,
    consumer: str,
    topic: str,
    partition: int,
    offset: int,
) -> Iterator[None]:
    """A CONSUMER span around one event's handling, continuing the trace the event arrived in: `traceparent`
    names the relay's publish span (the Kafka header), or the span that wrote the event to the outbox (the
    envelope's). The handler's statements and the events it writes are inside it."""
    if tracer is None:
        yield
        return
    parent = _propagator.extract({"traceparent": traceparent}) if traceparent else None
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
