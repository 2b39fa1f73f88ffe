"""X-Forwarded-* at the edge: the gateway writes them from what it saw, whatever the client sent, and a service
behind it (trusting the gateway's address, as in make dev) takes the client's address from them. The route is
login, public at the edge: the throttle that counts failed logins per address is what a spoofed header would reset."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI, Request
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair
from gymloop_kit.http.forwarded import client_address, trust_forwarded_headers

pytestmark = pytest.mark.unit

CLIENT = "198.51.100.7"
SPOOFED = {"X-Forwarded-For": "10.9.9.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}


def service_behind_the_gateway() -> FastAPI:
    """Trusts 127.0.0.1: httpx's in-process transport connects from there, as the gateway does in make dev."""
    app = FastAPI()
    trust_forwarded_headers(app, ["127.0.0.1"])

    @app.post("/auth/login")
    async def seen(request: Request) -> dict[str, str | None]:
        return {
            "client": client_address(request),
            "scheme": request.url.scheme,
            "forwarded_for": request.headers.get("x-forwarded-for"),
            "forwarded_proto": request.headers.get("x-forwarded-proto"),
            "forwarded_host": request.headers.get("x-forwarded-host"),
        }

    return app


@asynccontextmanager
async def gateway_client(**settings: object) -> AsyncIterator[httpx.AsyncClient]:
    gateway = create_app(
        GatewaySettings(
            service_urls={"members": "http://members"}, jwt_public_key=KeyPair.generate().public_pem, **settings
        ),  # type: ignore[arg-type]
        transport=httpx.ASGITransport(app=service_behind_the_gateway()),
    )
    async with gateway.router.lifespan_context(gateway):
        transport = httpx.ASGITransport(app=gateway, client=(CLIENT, 50123))
        async with httpx.AsyncClient(transport=transport, base_url="http://gym.example") as client:
            yield client


async def test_a_clients_forwarded_headers_are_replaced_by_what_the_gateway_saw():
    async with gateway_client() as client:
        seen = (await client.post("/api/members/auth/login", headers=SPOOFED)).json()
    assert seen["forwarded_for"] == CLIENT
    assert seen["forwarded_proto"] == "http"
    assert seen["forwarded_host"] == "gym.example"
    assert seen["client"] == CLIENT  # what the service believes: the gateway's word, not the client's
    assert seen["scheme"] == "http"


async def test_a_trusted_proxy_in_front_of_the_gateway_speaks_for_the_client():
    async with gateway_client(trusted_proxies=["198.51.100.0/24"]) as client:
        seen = (await client.post("/api/members/auth/login", headers=SPOOFED)).json()
    assert seen["forwarded_for"] == "10.9.9.9"
    assert seen["forwarded_proto"] == "https"
    assert seen["client"] == "10.9.9.9"
