"""Through the gateway to real service processes: tokens checked at the edge, correlation ids carried to the
service's log, a client's X-Forwarded-For not believed, one JSON log line per request that names its service,
and a service killed with SIGKILL named by /ready and answered 503 while the others go on.

The kill test comes last in this module on purpose: it leaves the module's stack with one service down."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid

import pytest
from gymloop_devstack.testing import TokenFactory, error_fields, problem
from gymloop_kit.auth import KeyPair

pytestmark = pytest.mark.e2e


def test_the_gateway_is_ready_and_lists_every_running_service(stack):
    with stack.client() as client:
        ready = client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert set(ready.json()["services"]) == set(stack.services)
        assert client.get("/health").json() == {"status": "ok", "service": "gateway"}


def test_a_valid_token_reaches_every_service(stack):
    if not stack.services:
        pytest.skip("no service has a __main__ yet: the gateway alone is covered by the readiness test")
    with stack.client() as client:
        for service in stack.services:
            answer = client.get(f"/api/{service}/health", headers=stack.headers())
            assert answer.status_code == 200, f"{service}: {answer.status_code} {answer.text}"
            assert answer.json()["service"] == service


def test_no_token_and_a_forged_token_are_refused_at_the_edge(stack):
    forged = TokenFactory(KeyPair.generate()).headers(studio_id=stack.studio_id, role="admin")
    with stack.client() as client:
        for service in [*stack.services, "members"]:
            missing = client.get(f"/api/{service}/health")
            assert missing.status_code == 401, missing.text
            assert error_fields(missing)[0]["type"] == "missing_token"
            refused = client.get(f"/api/{service}/health", headers=forged)
            assert refused.status_code == 401, refused.text
            assert error_fields(refused)[0]["type"] == "invalid_token"


def test_the_correlation_id_of_the_client_reaches_the_service_log(stack):
    if not stack.services:
        pytest.skip("no service has a __main__ yet")
    service = stack.services[0]
    correlation_id = f"e2e-{uuid.uuid4()}"
    with stack.client() as client:
        answer = client.get(
            f"/api/{service}/asyncapi.json", headers={**stack.headers(), "X-Correlation-ID": correlation_id}
        )
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-correlation-id"] == correlation_id
    log_path = stack.dev.logs_dir / f"{service}.log"
    deadline = time.monotonic() + 10
    while correlation_id not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = [line for line in log_path.read_text().splitlines() if correlation_id in line]
    assert lines, f"{correlation_id} not in {log_path}"
    assert any('"path": "/asyncapi.json"' in line for line in lines)


def test_merged_openapi_has_every_running_service(stack):
    with stack.client() as client:
        document = client.get("/openapi.json").json()
    for service in stack.services:
        assert document["x-gymloop-services"][service]["status"] == "included"
        assert any(path.startswith(f"/api/v1/{service}/") for path in document["paths"])


def test_a_spoofed_forwarded_for_through_the_gateway_does_not_reset_the_login_throttle(stack):
    if "members" not in stack.services:
        pytest.skip("members is not running")
    failures_per_address = 20  # members' default GYMLOOP_LOGIN_MAX_FAILURES_PER_IP
    with stack.client() as client:
        for n in range(failures_per_address):
            wrong = client.post(
                "/api/members/auth/login",
                json={"email": f"guess{n}@spoof.example.com", "password": "Wrong-password-1"},
                headers={"X-Forwarded-For": f"10.0.{n}.1"},  # a fresh address each time, if it were believed
            )
            assert wrong.status_code == 401, wrong.text
        blocked = client.post(
            "/api/members/auth/login",
            json={"email": "guess-again@spoof.example.com", "password": "Wrong-password-1"},
            headers={"X-Forwarded-For": "10.1.0.1"},
        )
    assert blocked.status_code == 429, blocked.text


def log_lines(stack, process: str) -> list[str]:
    return (stack.dev.logs_dir / f"{process}.log").read_text().splitlines()


def test_every_log_line_names_its_service_and_a_request_is_logged_once(stack):
    correlation_ids = {service: f"e2e-once-{service}-{uuid.uuid4()}" for service in stack.services}
    with stack.client() as client:
        for service, correlation_id in correlation_ids.items():
            answer = client.get(
                f"/api/{service}/asyncapi.json", headers={**stack.headers(), "X-Correlation-ID": correlation_id}
            )
            assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 10
    for service, correlation_id in correlation_ids.items():
        while correlation_id not in "".join(log_lines(stack, service)) and time.monotonic() < deadline:
            time.sleep(0.1)
    time.sleep(0.5)  # a second line of the same request (an access log) would be written by now
    for process in [*stack.services, "gateway"]:
        lines = log_lines(stack, process)
        assert lines, f"{process}.log is empty"
        for line in lines:
            assert json.loads(line).get("service") == process, f"{process}.log: {line}"
    for service, correlation_id in correlation_ids.items():
        for process in (service, "gateway"):
            logged = [json.loads(line) for line in log_lines(stack, process) if correlation_id in line]
            assert len(logged) == 1, f"{process}.log has {len(logged)} lines for one request: {logged}"
            assert logged[0]["event"] == "http_request"
            assert {"method", "path", "status", "duration_ms", "correlation_id"} <= logged[0].keys()


def test_a_killed_service_is_named_by_ready_and_answered_503_while_the_others_go_on(stack):
    if not stack.services:
        pytest.skip("no service has a __main__ yet")
    victim, *others = stack.services
    process = stack.dev.running[victim].process
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    with stack.client() as client:
        ready = client.get("/ready")
        assert ready.status_code == 503
        body = ready.json()
        assert body["not_ready"] == [victim]
        assert body["services"][victim]["status"] == "down"
        assert victim in body["detail"]
        down = client.get(f"/api/{victim}/health", headers=stack.headers())
        assert down.status_code == 503
        assert down.json()["service"] == victim
        assert f"the {victim} service is unavailable" in problem(down, 503)["detail"]
        for other in others:
            assert client.get(f"/api/{other}/health", headers=stack.headers()).status_code == 200
            assert body["services"][other]["status"] == "ready"
        assert client.get("/health").status_code == 200
