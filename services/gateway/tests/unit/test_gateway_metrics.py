"""The gateway's own /metrics (for Prometheus inside the cluster): proxied requests are counted per route template
and status class, never per raw path; it is not part of the public API document."""

import uuid

import httpx
import pytest
from fastapi import FastAPI
from gymloop_devstack.testing import TokenFactory, service_client
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()
TOKENS = TokenFactory(KEYS)


def members() -> FastAPI:
    app = FastAPI()

    @app.get("/members/{member_id}")
    async def member(member_id: str) -> dict[str, str]:
        return {"id": member_id}

    return app


async def test_the_gateway_counts_proxied_requests_per_route_template_at_its_own_metrics():
    upstream = members()

    class ToMembers(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await httpx.ASGITransport(app=upstream).handle_async_request(request)

    name = f"gateway-{uuid.uuid4().hex[:8]}"  # this test's series only: the registry is the process's
    settings = GatewaySettings(service_name=name, service_urls={"members": "http://members"},
                               jwt_public_key=KEYS.public_pem)  # fmt: skip
    headers = TOKENS.headers(studio_id=uuid.uuid4(), role="employee")
    async with service_client(create_app(settings, transport=ToMembers())) as gateway:
        for member in ("m-1", "m-2"):
            assert (await gateway.get(f"/api/members/members/{member}", headers=headers)).status_code == 200
        assert (await gateway.get("/api/members/members/m-3")).status_code == 401
        answer = await gateway.get("/metrics")
        assert answer.status_code == 200
        assert "/metrics" not in (await gateway.get("/openapi.json")).json().get("paths", {})
    samples = [s for family in text_string_to_metric_families(answer.text) for s in family.samples
               if s.name == "gymloop_http_requests_total" and s.labels["service"] == name]  # fmt: skip
    counts = {(s.labels["route"], s.labels["status_class"]): s.value for s in samples}
    assert counts == {("/api/{service}/{path}", "2xx"): 2, ("/api/{service}/{path}", "4xx"): 1}
