"""Tracing through the kit (create_service_app, real databases, a private Tansu broker, OpenTelemetry's in-memory
exporter): a request's SERVER span continues the caller's trace, its SQL statements are CLIENT spans under it,
the event it writes carries its context through the outbox, the relay's publish span is its child and names
itself in the Kafka header, and the consumer's span continues it there; the request's log line carries the trace
and span ids. Without an endpoint nothing is traced and the caller's traceparent is handed on unchanged."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid

import pytest
import structlog
from fastapi import APIRouter
from gymloop_contracts import Envelope
from gymloop_contracts.events.members import MemberArchived
from gymloop_devstack.testing import service_client
from gymloop_kit.app import ServiceSpec, Session, create_service_app
from gymloop_kit.db import Database
from gymloop_kit.messaging.consumer import Subscriptions
from gymloop_kit.tracing import start_tracing
from kit_fixtures import create_schema, effect_counts, record_effect
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text

pytestmark = pytest.mark.integration

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
CALLER = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"

router = APIRouter()


@router.post("/studios/{studio_id}/archive/{member_id}")
async def archive(studio_id: uuid.UUID, member_id: uuid.UUID, session: Session) -> dict[str, str]:
    from gymloop_kit.messaging.outbox import add_event

    await add_event(session, MemberArchived(member_id=member_id, reason="traced"), studio_id=studio_id)
    return {"status": "archived"}


@pytest.fixture(autouse=True)
def restore_logging():
    """The apps' lifespans point logging at this test's captured stdout: put back what was there."""
    root = logging.getLogger()
    handlers, level, config = root.handlers[:], root.level, structlog.get_config()
    yield
    root.handlers, root.level = handlers, level
    structlog.configure(**config)


@pytest.fixture
def no_endpoint(monkeypatch):
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


def hex_id(value: int, width: int) -> str:
    return format(value, f"0{width}x")


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


async def until(condition, what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def stored_envelopes(url: str) -> list[dict]:
    database = Database(url)
    try:
        async with database.transaction() as session:
            return list((await session.execute(text("SELECT envelope FROM outbox ORDER BY id"))).scalars().all())
    finally:
        await database.dispose()


async def test_one_trace_from_a_request_through_the_outbox_and_kafka_to_the_consumer(
    kit_database, new_database, make_settings, private_kafka, no_endpoint, capsys
):
    reader_database = await new_database(prefix="kitreader")
    await create_schema(reader_database)
    spans = InMemorySpanExporter()
    kafka = private_kafka.bootstrap_servers
    writer = create_service_app(
        ServiceSpec(name="kitwriter", description="writes events", routers=[router]),
        make_settings("kitwriter", kit_database, kafka=kafka, consumer_enabled=False),
        span_exporter=spans,
    )
    subscriptions = Subscriptions()
    subscriptions.on(MemberArchived)(record_effect)
    reader = create_service_app(
        ServiceSpec(name="kitreader", description="consumes events", subscriptions=subscriptions),
        make_settings("kitreader", reader_database, kafka=kafka, relay_enabled=False),
        span_exporter=spans,
    )
    studio = uuid.uuid4()
    async with service_client(reader) as reader_http, service_client(writer) as http:
        await asyncio.wait_for(reader.state.runtime.consumer.assigned.wait(), 30)
        capsys.readouterr()
        answer = await http.post(f"/studios/{studio}/archive/{uuid.uuid4()}", headers={"traceparent": CALLER})
        assert answer.status_code == 200, answer.text
        request_log = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"http_request"' in line]
        assert (await http.get("/health")).status_code == 200  # a probe: no span

        async def consumed() -> bool:
            async with reader.state.runtime.database.transaction() as session:
                return await effect_counts(session, studio) == (1, 1)

        await until(consumed, "the reader to apply the event")  # its span ended before the commit
        assert (await reader_http.get("/ready")).status_code == 200

    finished = spans.get_finished_spans()
    (server,) = [s for s in finished if s.kind is SpanKind.SERVER]
    assert service_of(server) == "kitwriter"
    assert server.name == "POST /studios/{studio_id}/archive/{member_id}"
    assert (
        server.attributes["http.route"]
        == server.attributes["http.target"]
        == "/studios/{studio_id}/archive/{member_id}"
    )
    assert not [key for key, value in server.attributes.items() if str(studio) in str(value)], "no raw path"
    assert hex_id(server.context.trace_id, 32) == CALLER_TRACE  # the caller's trace goes on
    assert server.parent is not None
    assert hex_id(server.parent.span_id, 16) == CALLER_SPAN

    trace_id = server.context.trace_id
    writer_sql = [s for s in finished if s.kind is SpanKind.CLIENT and service_of(s) == "kitwriter"]
    assert {s.context.trace_id for s in writer_sql} == {trace_id}
    assert all(s.parent is not None and s.parent.span_id == server.context.span_id for s in writer_sql)
    assert any("outbox" in str(s.attributes.get("db.statement", s.attributes.get("db.query.text"))) for s in writer_sql)

    (envelope,) = await stored_envelopes(kit_database)
    traced = Envelope.model_validate(envelope)
    assert traced.traceparent == f"00-{CALLER_TRACE}-{hex_id(server.context.span_id, 16)}-01"

    (publish,) = [s for s in finished if s.kind is SpanKind.PRODUCER]
    assert service_of(publish) == "kitwriter"  # its relay
    assert publish.name == f"publish {traced.topic}"
    assert publish.context.trace_id == trace_id
    assert publish.parent is not None
    assert publish.parent.span_id == server.context.span_id  # the span that wrote the event to the outbox
    assert publish.attributes["messaging.message.id"] == str(traced.event_id)

    (consumer,) = [s for s in finished if s.kind is SpanKind.CONSUMER]
    assert service_of(consumer) == "kitreader"
    assert consumer.name == "process MemberArchived"
    assert consumer.context.trace_id == trace_id
    assert consumer.parent is not None
    assert consumer.parent.span_id == publish.context.span_id
    assert consumer.attributes["messaging.message.id"] == str(traced.event_id)
    assert consumer.attributes["messaging.consumer.group.name"] == "kitreader"
    handler_sql = [s for s in finished if s.kind is SpanKind.CLIENT and service_of(s) == "kitreader"]
    assert any(
        s.parent is not None and s.parent.span_id == consumer.context.span_id and s.context.trace_id == trace_id
        for s in handler_sql
    ), "the handler's INSERT is a span under the consumer's"
    # Statements nothing caused (the relay's polling, the inbox between events) start no trace of their own.
    assert {s.context.trace_id for s in finished} == {trace_id}
    assert not [s for s in finished if s.name.startswith("GET /health")]

    (line,) = request_log
    assert (line["trace_id"], line["span_id"]) == (CALLER_TRACE, hex_id(server.context.span_id, 16))


async def test_without_an_endpoint_nothing_is_traced_and_the_callers_traceparent_goes_on(
    kit_database, make_settings, private_kafka, no_endpoint, capsys
):
    settings = make_settings("kitwriter", kit_database, kafka=private_kafka.bootstrap_servers, relay_enabled=False)
    assert start_tracing("kitwriter", settings) is None
    app = create_service_app(ServiceSpec(name="kitwriter", description="writes events", routers=[router]), settings)
    async with service_client(app) as http:
        capsys.readouterr()
        answer = await http.post(f"/studios/{uuid.uuid4()}/archive/{uuid.uuid4()}", headers={"traceparent": CALLER})
        assert answer.status_code == 200, answer.text
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"http_request"' in line]
    (envelope,) = await stored_envelopes(kit_database)
    assert envelope["traceparent"] == CALLER
    (line,) = lines
    assert line["trace_id"] == CALLER_TRACE
    assert "span_id" not in line
