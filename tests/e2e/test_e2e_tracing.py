"""One trace across the platform, from real processes: the stack runs with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at
an OTLP/HTTP receiver in this test, which decodes what every service exports. A member's sign-up for a session
enters at the gateway with the client's `traceparent`; bookings answers it under the gateway's call (a CLIENT
span under the gateway's SERVER span), writes SessionBooked into its outbox in that span's context, the relay
publishes it to the broker in a PRODUCER span under it, and the notifications consumer's span continues the same
trace from the publish span, with its SQL statements under it."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from gymloop_devstack.dev import DevSettings, DevStack
from gymloop_devstack.testing import answered, wait_until
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from .conftest import Stack, free_ports_env

pytestmark = pytest.mark.e2e

PASSWORD = "Tracing-e2e-Password-2026"
PACK = {"name": "10 sessions", "kind": "session_pack", "sessions": 10, "price_cents": 9000, "currency": "EUR",
        "period": "one_off", "valid_days": 90}  # fmt: skip
TRACE_ID = uuid.uuid4().hex  # the client's trace: the sign-up's spans are found by it
CLIENT_SPAN_ID = uuid.uuid4().hex[:16]


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]


class OtlpReceiver:
    """The collector's part that matters here: OTLP/HTTP protobuf on /v1/traces, kept in memory."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = ExportTraceServiceRequest.FromString(body)
                with receiver.lock:
                    receiver.spans += list(received(request))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def in_trace(self, trace_id: str) -> list[ReceivedSpan]:
        with self.lock:
            return [span for span in self.spans if span.trace_id == trace_id]


def received(request: ExportTraceServiceRequest) -> Iterator[ReceivedSpan]:
    for resource_spans in request.resource_spans:
        resource = {kv.key: kv.value.string_value for kv in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield ReceivedSpan(
                    service=resource.get("service.name", ""), name=span.name, kind=span.kind,
                    trace_id=span.trace_id.hex(), span_id=span.span_id.hex(), parent_span_id=span.parent_span_id.hex(),
                    attributes={kv.key: kv.value.string_value or kv.value.int_value for kv in span.attributes},
                )  # fmt: skip


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    otlp = OtlpReceiver()
    otlp.thread.start()
    try:
        yield otlp
    finally:
        otlp.server.shutdown()


@pytest.fixture(scope="module")
def traced_stack(tmp_path_factory: pytest.TempPathFactory, receiver: OtlpReceiver) -> Iterator[Stack]:
    """The whole stack as processes, each exporting its spans to the receiver (batched every 200 ms)."""
    data_dir = tmp_path_factory.mktemp("traced") / "data"
    tracing_env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    with pytest.MonkeyPatch.context() as env:
        for key, value in {**free_ports_env(data_dir), **tracing_env}.items():
            env.setenv(key, value)
        settings = DevSettings(demo=False, ready_timeout_s=90.0)
        lines: list[str] = []
        dev = DevStack(settings, out=lines.append)
        try:
            dev.start()  # the processes take the environment as it is now
            if not dev.ready_after_s:
                pytest.fail("the stack did not get ready:\n" + "\n".join(lines))
            yield Stack(dev)
        finally:
            dev.stop()
            if os.environ.get("GYMLOOP_E2E_VERBOSE"):
                print("\n".join(lines))


def member_signed_up_for_a_session(stack: Stack, client: httpx.Client) -> tuple[str, dict[str, str]]:
    """A studio, a member with a pack of credits (bookings learns it from billing's events) and a session."""
    signed_up = answered(
        client.post(
            "/api/v1/members/studios/signup",
            json={"studio_name": "Traced Gym", "email": f"owner-{uuid.uuid4().hex[:8]}@gym.example.com",
                  "password": PASSWORD, "first_name": "Olga", "last_name": "Owner"},
        ),
        201,
    )  # fmt: skip
    studio_id = uuid.UUID(signed_up["studio_id"])
    admin = {"Authorization": f"Bearer {signed_up['access_token']}"}
    body = {"email": f"mia-{uuid.uuid4().hex[:8]}@gym.example.com", "first_name": "Mia", "last_name": "Jansen"}
    member = answered(client.post("/api/v1/members/members", json=body, headers=admin), 201)
    wait_until(
        lambda: client.get(f"/api/v1/billing/members/{member['id']}/payment-state", headers=admin).status_code == 200,
        "billing to know the member",
    )
    plan = answered(client.post("/api/v1/billing/plans", json=PACK, headers=admin), 201)
    start = {"member_id": member["id"], "plan_id": plan["id"], "start_date": datetime.now(UTC).date().isoformat()}
    answered(client.post("/api/v1/billing/subscriptions", json=start, headers=admin), 201)
    wait_until(
        lambda: (answer := client.get(f"/api/v1/bookings/members/{member['id']}/account", headers=admin)).status_code
        == 200 and answer.json()["credits_left"] == 10,
        "bookings to grant the pack's credits",
    )  # fmt: skip
    location = answered(client.post("/api/v1/bookings/locations", json={"name": "Zaal 1"}, headers=admin), 201)
    kind = answered(client.post("/api/v1/bookings/session-types", json={"name": "Spinning"}, headers=admin), 201)
    local = (datetime.now(UTC) + timedelta(days=1)).astimezone(ZoneInfo("Europe/Amsterdam"))
    session = {"location_id": location["id"], "session_type_id": kind["id"], "day": local.date().isoformat(),
               "start_time": "18:00:00", "duration_minutes": 60, "capacity": 10}  # fmt: skip
    session_id = answered(client.post("/api/v1/bookings/sessions", json=session, headers=admin), 201)["id"]
    mia = stack.tokens.headers(
        studio_id=studio_id,
        role="member",
        member_id=uuid.UUID(member["id"]),
        account_id=uuid.UUID(member["account_id"]),
    )
    return str(session_id), mia


def test_a_sign_up_is_one_trace_from_the_gateway_through_bookings_and_kafka_to_notifications(
    traced_stack: Stack, receiver: OtlpReceiver
) -> None:
    with httpx.Client(base_url=traced_stack.url, timeout=30.0, trust_env=False) as client:
        session_id, mia = member_signed_up_for_a_session(traced_stack, client)
        traceparent = f"00-{TRACE_ID}-{CLIENT_SPAN_ID}-01"
        booked = client.post(
            f"/api/v1/bookings/sessions/{session_id}/bookings", json={}, headers={**mia, "traceparent": traceparent}
        )
        answered(booked, 201)

    def consumed_in_notifications() -> list[ReceivedSpan]:
        spans = receiver.in_trace(TRACE_ID)
        done = any(s.service == "notifications" and s.kind == Span.SPAN_KIND_CONSUMER for s in spans)
        return spans if done else []

    spans = wait_until(consumed_in_notifications, "the notifications consumer's span to be exported", 60)
    time.sleep(1.0)  # the rest of the batch: the statements under the consumer's span end before it
    spans = receiver.in_trace(TRACE_ID)
    by_id = {span.span_id: span for span in spans}

    (gateway,) = [s for s in spans if s.service == "gateway" and s.kind == Span.SPAN_KIND_SERVER]
    assert gateway.parent_span_id == CLIENT_SPAN_ID
    assert gateway.name == "POST /api/{service}/{path:path}"

    (call,) = [s for s in spans if s.service == "gateway" and s.kind == Span.SPAN_KIND_CLIENT]
    assert call.parent_span_id == gateway.span_id
    assert call.name == "POST 127.0.0.1"  # the gateway's call to bookings: method and host, never the path
    assert call.attributes["http.response.status_code"] == 201

    (bookings,) = [s for s in spans if s.service == "bookings" and s.kind == Span.SPAN_KIND_SERVER]
    assert bookings.name == "POST /sessions/{session_id}/bookings"
    assert bookings.parent_span_id == call.span_id
    bookings_sql = [s for s in spans if s.service == "bookings" and s.kind == Span.SPAN_KIND_CLIENT]
    assert bookings_sql
    assert all(s.parent_span_id == bookings.span_id for s in bookings_sql)
    assert any("outbox" in str(s.attributes.get("db.statement", "")) for s in bookings_sql), "the outbox INSERT"

    consumers = [s for s in spans if s.service == "notifications" and s.kind == Span.SPAN_KIND_CONSUMER]
    booked_event = [s for s in consumers if s.name == "process SessionBooked"]
    assert booked_event, [s.name for s in consumers]
    (consumer,) = booked_event
    (publish,) = [s for s in spans if s.service == "bookings" and s.kind == Span.SPAN_KIND_PRODUCER
                  and s.attributes["gymloop.event_type"] == "SessionBooked"]  # fmt: skip
    assert publish.parent_span_id == bookings.span_id  # the relay continues the span that wrote the event
    assert consumer.parent_span_id == publish.span_id  # the consumer, the relay's publish (the Kafka header)
    assert consumer.attributes["messaging.consumer.group.name"] == "notifications"
    handler_sql = [s for s in spans if s.service == "notifications" and s.kind == Span.SPAN_KIND_CLIENT]
    assert any(s.parent_span_id == consumer.span_id for s in handler_sql), "the handler's statements"

    # One tree: every span's parent is in the trace, except the gateway's (the client's own span).
    orphans = [s.name for s in spans if s.parent_span_id not in by_id and s is not gateway]
    assert not orphans, orphans
