"""The kit's tracing pieces on their own: where spans go, which spans start a trace, the headers an outgoing call
gets, and the ids a log line carries."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
import structlog
from fastapi import FastAPI
from gymloop_kit.logging import configure_logging, get_logger, traceparent_var
from gymloop_kit.settings import ServiceSettings
from gymloop_kit.tracing import inject_trace_headers, otlp_traces_endpoint, start_tracing, trace_headers
from gymloop_kit.tracing_sdk import CausedOnly
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

pytestmark = pytest.mark.unit

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level, config = root.handlers[:], root.level, structlog.get_config()
    yield
    root.handlers, root.level = handlers, level
    structlog.configure(**config)


def test_the_endpoint_comes_from_the_kit_setting_then_opentelemetrys_variables(monkeypatch):
    assert otlp_traces_endpoint(ServiceSettings()) is None
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")
    assert otlp_traces_endpoint(ServiceSettings()) == "http://collector:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4318/custom")
    assert otlp_traces_endpoint(ServiceSettings()) == "http://traces:4318/custom"  # the full URL, as given
    settings = ServiceSettings(tracing_otlp_endpoint="http://otel.gymloop:4318")
    assert otlp_traces_endpoint(settings) == "http://otel.gymloop:4318/v1/traces"


def test_tracing_is_off_without_an_endpoint_or_exporter():
    assert start_tracing("kitdemo", ServiceSettings()) is None
    tracing = start_tracing("kitdemo", ServiceSettings(tracing_otlp_endpoint="http://127.0.0.1:9"))
    assert tracing is not None
    assert tracing.provider.resource.attributes["service.name"] == "kitdemo"
    tracing.shutdown()


def test_the_sample_ratio_is_a_share():
    with pytest.raises(ValueError, match="less than or equal to 1"):
        ServiceSettings(tracing_sample_ratio=1.5)


def test_uncaused_statements_start_no_trace_but_requests_events_and_children_do():
    sampler = CausedOnly(1.0)
    trace_id = 0x4BF92F3577B34DA6A3CE929D0E0E4736
    assert sampler.should_sample(None, trace_id, "SELECT", SpanKind.CLIENT).decision is Decision.DROP
    assert sampler.should_sample(None, trace_id, "GET /x", SpanKind.SERVER).decision is Decision.RECORD_AND_SAMPLE
    assert sampler.should_sample(None, trace_id, "process T", SpanKind.CONSUMER).decision is Decision.RECORD_AND_SAMPLE
    parent = SpanContext(trace_id, 0x00F067AA0BA902B7, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    inside = trace.set_span_in_context(NonRecordingSpan(parent))
    assert sampler.should_sample(inside, trace_id, "SELECT", SpanKind.CLIENT).decision is Decision.RECORD_AND_SAMPLE
    unsampled = trace.set_span_in_context(NonRecordingSpan(SpanContext(trace_id, 1, is_remote=True)))
    assert sampler.should_sample(unsampled, trace_id, "GET /x", SpanKind.SERVER).decision is Decision.DROP
    assert CausedOnly(0.0).should_sample(None, trace_id, "GET /x", SpanKind.SERVER).decision is Decision.DROP


def test_an_outgoing_call_names_the_span_in_hand_instead_of_what_the_client_sent():
    spans = InMemorySpanExporter()
    tracing = start_tracing("gateway", ServiceSettings(), spans)
    assert tracing is not None
    headers = {"Traceparent": CALLER, "TraceState": "vendor=1", "Accept": "application/json"}
    with tracing.tracer.start_as_current_span("GET /api/members/x") as span:
        inject_trace_headers(headers)
    context = span.get_span_context()
    assert headers == {
        "Accept": "application/json",
        "traceparent": f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}",
    }


def test_without_tracing_the_traceparent_the_work_arrived_with_goes_on():
    assert trace_headers() == {}
    token = traceparent_var.set(CALLER)
    try:
        assert inject_trace_headers({"traceparent": "00-something-else-01"}) == {"traceparent": CALLER}
    finally:
        traceparent_var.reset(token)


def test_a_log_line_written_inside_a_span_carries_its_trace_and_span_ids(capsys, restore_logging):
    configure_logging("kitdemo")
    tracing = start_tracing("kitdemo", ServiceSettings(), InMemorySpanExporter())
    assert tracing is not None
    capsys.readouterr()
    with tracing.tracer.start_as_current_span("work") as span:
        get_logger("kit.test").info("inside")
        logging.getLogger("uvicorn.error").info("inside, from the standard library")
    get_logger("kit.test").info("outside")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    context = span.get_span_context()
    ids = (f"{context.trace_id:032x}", f"{context.span_id:016x}")
    assert [(line.get("trace_id"), line.get("span_id")) for line in lines] == [ids, ids, (None, None)]


async def test_a_request_span_names_the_route_never_the_path_that_may_hold_a_credential():
    app = FastAPI()

    @app.get("/calendar-feeds/{token}.ics")
    async def feed(token: str) -> dict[str, str]:
        if token.startswith("broken"):
            raise RuntimeError("the feed fails")
        return {}

    spans = InMemorySpanExporter()
    tracing = start_tracing("bookings", ServiceSettings(), spans)
    assert tracing is not None
    tracing.instrument_app(app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://bookings") as client:
        assert (await client.get("/calendar-feeds/s3cret-token.ics?key=s3cret-query")).status_code == 200
        assert (await client.get("/calendar-feeds/broken-s3cret.ics")).status_code == 500
    answered, failed = spans.get_finished_spans()
    for span in (answered, failed):
        assert span.name == "GET /calendar-feeds/{token}.ics"
        assert span.attributes["http.target"] == "/calendar-feeds/{token}.ics"
        assert not [key for key, value in span.attributes.items() if "s3cret" in str(value)]
    assert failed.attributes["http.status_code"] == 500
