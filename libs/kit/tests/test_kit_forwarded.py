"""The client's address: X-Forwarded-For is believed from GYMLOOP_TRUSTED_PROXIES only."""

import httpx
import pytest
from fastapi import FastAPI, Request
from gymloop_kit.http.forwarded import client_address, trust_forwarded_headers
from gymloop_kit.settings import ServiceSettings
from pydantic import ValidationError

pytestmark = pytest.mark.unit


def app_trusting(*proxies: str) -> FastAPI:
    app = FastAPI()
    trust_forwarded_headers(app, proxies)

    @app.get("/who")
    async def who(request: Request) -> dict[str, str | None]:
        return {"client": client_address(request), "scheme": request.url.scheme}

    return app


async def seen_by(app: FastAPI, peer: str, headers: dict[str, str]) -> dict[str, str]:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        answer: dict[str, str] = (await client.get("/who", headers=headers)).json()
        return answer


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


async def test_a_trusted_proxy_speaks_for_the_client_and_anyone_else_is_the_client():
    app = app_trusting("10.203.0.0/24")
    assert await seen_by(app, "10.203.0.10", FORWARDED) == {"client": "203.0.113.9", "scheme": "https"}
    assert await seen_by(app, "198.51.100.4", FORWARDED) == {"client": "198.51.100.4", "scheme": "http"}


async def test_by_default_nobody_is_trusted_not_even_loopback():
    app = app_trusting(*ServiceSettings().trusted_proxies)
    assert await seen_by(app, "127.0.0.1", FORWARDED) == {"client": "127.0.0.1", "scheme": "http"}


def test_a_trusted_proxy_must_be_an_address_or_a_network():
    assert ServiceSettings(trusted_proxies=["127.0.0.1", "::1", "10.0.0.0/8"]).trusted_proxies[2] == "10.0.0.0/8"
    with pytest.raises(ValidationError, match="'gateway' is neither an IP address nor a CIDR network"):
        ServiceSettings(trusted_proxies=["gateway"])
