"""CORS at the gateway as a browser does it: a preflight without a token, then the request with one."""

import uuid

import httpx
import pytest
from fastapi import FastAPI, Request
from gymloop_devstack.testing import TokenFactory, problem, service_client
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair
from pydantic import ValidationError

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()
TOKENS = TokenFactory(KEYS)
APP_ORIGIN = "https://app.example.com"
STUDIO = uuid.uuid4()


def bookings() -> FastAPI:
    app = FastAPI()

    @app.api_route("/sessions/{rest:path}", methods=["POST", "OPTIONS"])
    async def seen(request: Request) -> dict:
        return {"method": request.method, "origin": request.headers.get("origin")}

    return app


def settings(**overrides) -> GatewaySettings:
    return GatewaySettings(service_urls={"bookings": "http://bookings"}, jwt_public_key=KEYS.public_pem, **overrides)


@pytest.fixture
async def gateway():
    transport = httpx.ASGITransport(app=bookings())
    async with service_client(create_app(settings(cors_origins=[APP_ORIGIN]), transport=transport)) as client:
        yield client


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }


async def test_a_preflight_from_a_configured_origin_needs_no_token_and_allows_credentials(gateway):
    answer = await gateway.options("/api/bookings/sessions/s1/bookings", headers=preflight(APP_ORIGIN))
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert "POST" in answer.headers["access-control-allow-methods"]
    allowed = {header.strip().lower() for header in answer.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed


async def test_the_request_after_the_preflight_carries_the_cors_headers(gateway):
    headers = {"Origin": APP_ORIGIN, **TOKENS.headers(studio_id=STUDIO, role="member")}
    answer = await gateway.post("/api/bookings/sessions/s1/bookings", headers=headers)
    assert answer.status_code == 200
    assert answer.json()["origin"] == APP_ORIGIN
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert "x-correlation-id" in answer.headers["access-control-expose-headers"].lower()
    # Without a token the refusal reaches the script too, so the app can send its user to the login.
    refused = await gateway.post("/api/bookings/sessions/s1/bookings", headers={"Origin": APP_ORIGIN})
    assert problem(refused, 401)["code"] == "missing_token"
    assert refused.headers["access-control-allow-origin"] == APP_ORIGIN


async def test_another_origin_is_not_allowed(gateway):
    answer = await gateway.options("/api/bookings/sessions/s1/bookings", headers=preflight("https://evil.example"))
    assert answer.status_code == 400
    assert "access-control-allow-origin" not in answer.headers
    headers = {"Origin": "https://evil.example", **TOKENS.headers(studio_id=STUDIO)}
    request = await gateway.post("/api/bookings/sessions/s1/bookings", headers=headers)
    assert "access-control-allow-origin" not in request.headers


async def test_without_configured_origins_no_origin_is_allowed():
    transport = httpx.ASGITransport(app=bookings())
    async with service_client(create_app(settings(), transport=transport)) as client:
        answer = await client.options("/api/bookings/sessions/s1/bookings", headers=preflight(APP_ORIGIN))
        assert "access-control-allow-origin" not in answer.headers
        assert answer.status_code == 401  # an OPTIONS that is no allowed preflight is an ordinary request


@pytest.mark.parametrize("origin", ["*", "https://app.example.com/", "app.example.com", "https://app.example.com/x"])
def test_a_setting_that_is_not_an_origin_is_refused(origin):
    with pytest.raises(ValidationError, match="is not an origin"):
        settings(cors_origins=[origin])
