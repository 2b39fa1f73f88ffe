"""Through the gateway to real service processes: tokens checked at the edge, correlation ids carried to the
service's log, and a service killed with SIGKILL named by /ready and answered 503 while the others go on.

The kill test comes last in this module on purpose: it leaves the module's stack with one service down."""

from __future__ import annotations

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
        assert any(path.startswith(f"/api/{service}/") for path in document["paths"])


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
