"""A pooled keep-alive connection the service drops: the gateway's real transport (aiohttp under httpx) against a
small HTTP/1.1 server on a loopback port that closes connections the way uvicorn does, at the moment a test
chooses. A connection closed while idle costs no request; one dropped under a request is retried once for an
idempotent method (RFC 9112 9.3.1), and never for a POST, which may have reached the service already."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from gymloop_devstack.testing import problem, service_client
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair

pytestmark = pytest.mark.unit

# Public at the edge, so no token is needed: one idempotent route and one that is not.
READ = "/api/members/public/studios/north"
WRITE = "/api/members/auth/login"


@dataclass
class KeepAliveUpstream:
    """Answers 200 with keep-alive. `close_idle`: closes each connection shortly after its answer (a keep-alive
    timeout running out). `drop_second`: reads the second request of a connection and closes it unanswered."""

    close_idle: bool = False
    drop_second: bool = False
    received: list[str] = field(default_factory=list)  # "METHOD /path" of every request read, answered or not
    connections: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            for number in range(1, 100):
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ")
                length = next(
                    (int(line.split(":", 1)[1]) for line in header_lines if line.lower().startswith("content-length:")),
                    0,
                )
                await reader.readexactly(length)
                self.received.append(f"{method} {path}")
                if self.drop_second and number == 2:
                    break
                body = b'{"ok": true}'
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: keep-alive\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
                if self.close_idle:
                    await asyncio.sleep(0.05)
                    break
        writer.close()


@contextlib.asynccontextmanager
async def gateway_before(upstream: KeepAliveUpstream) -> AsyncIterator[object]:
    server = await asyncio.start_server(upstream.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = GatewaySettings(
        service_urls={"members": f"http://127.0.0.1:{port}"}, jwt_public_key=KeyPair.generate().public_pem
    )
    try:
        async with service_client(create_app(settings)) as client:  # the real transport: no test transport given
            yield client
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(("method", "path"), [("GET", READ), ("POST", WRITE)])
async def test_a_connection_the_service_closed_while_idle_costs_no_request(method: str, path: str) -> None:
    upstream = KeepAliveUpstream(close_idle=True)
    async with gateway_before(upstream) as gateway:
        first = await gateway.request(method, path, json={})
        await asyncio.sleep(0.3)  # the service closes the pooled connection meanwhile
        second = await gateway.request(method, path, json={})
    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert upstream.connections == 2  # the dropped one was not used again
    assert upstream.received == [f"{method} {path.removeprefix('/api/members')}"] * 2


async def test_a_get_on_a_connection_dropped_under_it_is_retried_once_on_a_new_one() -> None:
    upstream = KeepAliveUpstream(drop_second=True)
    async with gateway_before(upstream) as gateway:
        first = await gateway.get(READ)
        second = await gateway.get(READ)
    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert upstream.connections == 2
    assert upstream.received == ["GET /public/studios/north"] * 3  # the dropped request, then its retry


async def test_a_post_on_a_connection_dropped_under_it_is_not_sent_twice() -> None:
    upstream = KeepAliveUpstream(drop_second=True)
    async with gateway_before(upstream) as gateway:
        first = await gateway.post(WRITE, json={})
        second = await gateway.post(WRITE, json={})
    assert first.status_code == 200
    assert problem(second, 503)["code"] == "service_unavailable"  # the client decides whether to send it again
    assert upstream.received == ["POST /auth/login"] * 2  # the service read it: a retry could do it twice
    assert upstream.connections == 1
