"""A service's /metrics is scraped inside the cluster: through the public gateway it is not found, however it is
spelled, even for a signed-in caller (it would tell anyone with an account the platform's traffic and errors)."""

import uuid

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from gymloop_devstack.testing import TokenFactory, problem, service_client
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()
TOKENS = TokenFactory(KEYS)


def members_with_metrics() -> FastAPI:
    app = FastAPI()

    @app.get("/metrics")
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse("gymloop_http_requests_total 1\n")

    @app.get("/metrics-report")
    async def report() -> dict[str, str]:
        return {"report": "a route of the service's own API"}

    return app


@pytest.fixture
async def gateway():
    members = members_with_metrics()

    class ToMembers(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await httpx.ASGITransport(app=members).handle_async_request(request)

    settings = GatewaySettings(service_urls={"members": "http://members"}, jwt_public_key=KEYS.public_pem)
    async with service_client(create_app(settings, transport=ToMembers())) as client:
        yield client


@pytest.mark.parametrize("path", ["/api/members/metrics", "/api/members/metrics/", "/api/members/metric%73"])
async def test_a_service_s_metrics_are_not_found_through_the_gateway(gateway, path):
    headers = TOKENS.headers(studio_id=uuid.uuid4(), role="employee")
    answer = await gateway.get(path, headers=headers)
    body = problem(answer, 404)
    assert body["code"] == "not_found"
    assert body["service"] == "members"
    assert "gymloop_http_requests_total" not in answer.text


async def test_without_a_token_the_caller_learns_nothing_not_even_that(gateway):
    assert (await gateway.get("/api/members/metrics")).status_code == 401


async def test_a_route_that_only_starts_like_metrics_passes(gateway):
    headers = TOKENS.headers(studio_id=uuid.uuid4(), role="employee")
    answer = await gateway.get("/api/members/metrics-report", headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"report": "a route of the service's own API"}
