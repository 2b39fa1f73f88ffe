"""The views' fan-out against stand-in services (an httpx MockTransport): the gateway's own logic under test."""

import asyncio
import time
from types import SimpleNamespace

import httpx
import pytest
from gymloop_gateway.settings import GatewaySettings
from gymloop_gateway.views.fanout import ServiceCall, SubjectRefused, gather_parts, items_of
from gymloop_kit.logging import correlation_id_var
from starlette.requests import Request

pytestmark = pytest.mark.unit

URLS = {"members": "http://members", "billing": "http://billing", "bookings": "http://bookings"}


def caller_request() -> Request:
    scope = {
        "type": "http", "method": "GET", "path": "/api/views/x", "raw_path": b"/api/views/x", "query_string": b"",
        "scheme": "https", "server": ("gym.example", 443), "client": ("203.0.113.9", 5000),
        "headers": [(b"authorization", b"Bearer tok-1"), (b"host", b"gym.example")],
    }  # fmt: skip
    return Request(scope)


def edge_with(handler) -> SimpleNamespace:
    settings = GatewaySettings(service_urls=URLS, jwt_public_key="unused", view_part_timeout_s=0.5)
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return SimpleNamespace(settings=settings, client=client)


async def test_calls_go_out_at_once_with_the_callers_token_and_correlation_id():
    seen: list[httpx.Request] = []
    running = 0
    most_at_once = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal running, most_at_once
        seen.append(request)
        running += 1
        most_at_once = max(most_at_once, running)
        await asyncio.sleep(0.05)
        running -= 1
        return httpx.Response(200, json={"host": request.url.host, "query": request.url.query.decode()})

    correlation_id_var.set("corr-9")
    parts = await gather_parts(
        edge_with(handler), caller_request(),
        {"profile": ServiceCall("members", "/members/m1"), "ledger": ServiceCall("billing", "/x", {"limit": 5})},
    )  # fmt: skip
    assert most_at_once == 2
    assert parts["profile"].ok
    assert parts["profile"].body["host"] == "members"
    assert parts["ledger"].body == {"host": "billing", "query": "limit=5"}
    for request in seen:
        assert request.headers["authorization"] == "Bearer tok-1"
        assert request.headers["x-correlation-id"] == "corr-9"
        assert request.headers["x-forwarded-host"] == "gym.example"
        assert request.headers["x-forwarded-prefix"] == f"/api/v1/{request.url.host}"


async def test_a_down_slow_or_failing_service_is_a_part_marked_unavailable():
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "billing":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if request.url.host == "bookings":
            await asyncio.sleep(5)
        return httpx.Response(503, json={"detail": "database down"})

    started = time.monotonic()
    parts = await gather_parts(
        edge_with(handler), caller_request(),
        {
            "down": ServiceCall("billing", "/a"),
            "slow": ServiceCall("bookings", "/b", timeout_s=0.2),
            "failing": ServiceCall("members", "/c"),
        },
    )  # fmt: skip
    assert time.monotonic() - started < 1.5  # the slow one's own budget, not the upstream's 5 s
    assert parts["down"].unavailable() == {
        "unavailable": True, "service": "billing", "detail": "the billing service is unavailable: try again shortly"
    }  # fmt: skip
    assert parts["slow"].unavailable()["detail"] == "the bookings service did not answer within 0.2 s"
    assert parts["failing"].unavailable() == {
        "unavailable": True, "service": "members", "status": 503,
        "detail": "the members service failed (503): try again shortly",
    }  # fmt: skip
    assert all(not part.ok and part.items == [] for part in parts.values())


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_a_refusal_by_the_subjects_owner_is_the_views_answer(status):
    problem = {"type": "urn:gymloop:problem:x", "title": "T", "status": status, "detail": "no", "code": "x",
               "errors": [{"loc": [], "msg": "no", "type": "x"}]}  # fmt: skip

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=problem)

    with pytest.raises(SubjectRefused) as refused:
        await gather_parts(edge_with(handler), caller_request(), {"p": ServiceCall("members", "/m", owns_subject=True)})
    assert refused.value.problem == problem


async def test_a_refusal_by_another_service_is_only_that_part():
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "billing":
            return httpx.Response(404, json={"detail": "no mandate"})
        return httpx.Response(200, json=[1, 2])

    parts = await gather_parts(
        edge_with(handler), caller_request(),
        {"m": ServiceCall("members", "/m", owns_subject=True), "b": ServiceCall("billing", "/b")},
    )  # fmt: skip
    assert parts["m"].items == [1, 2]
    assert parts["b"].status == 404
    assert parts["b"].detail == "no mandate"


def test_items_of_reads_a_page_envelope_or_a_bare_array():
    assert items_of({"items": [1], "total": 9, "limit": 1, "offset": 0}) == [1]
    assert items_of([1, 2]) == [1, 2]
    assert items_of({"detail": "x"}) == []
    assert items_of(None) == []
