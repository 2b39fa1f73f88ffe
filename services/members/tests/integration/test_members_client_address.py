"""The login throttle counts failures per client address, and a caller cannot choose its address: a client that
reaches members directly, not from a trusted proxy, has its X-Forwarded-For ignored."""

import httpx
import pytest
from gymloop_members.app import create_app
from members_testkit import MIGRATIONS

pytestmark = pytest.mark.integration

UNTRUSTED = "198.51.100.77"  # not in GYMLOOP_TRUSTED_PROXIES (the tests trust 127.0.0.1, the gateway's address)


async def test_a_direct_client_cannot_reset_the_per_address_throttle_with_x_forwarded_for(
    new_database, members_settings
):
    settings = members_settings(await new_database(MIGRATIONS, prefix="members"), consumer_enabled=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(UNTRUSTED, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://members") as client:
            for n in range(settings.login_max_failures_per_ip):
                wrong = await client.post(
                    "/auth/login",
                    json={"email": f"guess{n}@gym.example.com", "password": "Wrong-password-1"},
                    headers={"X-Forwarded-For": f"10.0.{n}.1"},  # a fresh address each time, if it were believed
                )
                assert wrong.status_code == 401, wrong.text
            blocked = await client.post(
                "/auth/login",
                json={"email": "guess-again@gym.example.com", "password": "Wrong-password-1"},
                headers={"X-Forwarded-For": "10.1.0.1"},
            )
    assert blocked.status_code == 429, blocked.text
    assert int(blocked.headers["Retry-After"]) > 0
