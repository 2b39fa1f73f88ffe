"""Billing integration fixtures: the app on a fresh migrated database and a private broker."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio
import uvicorn
from gymloop_billing.app import create_app
from gymloop_billing.settings import BillingSettings
from gymloop_devstack.testing import service_client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
WEBHOOK_SECRET = "whsec_gymloop_test"


@pytest_asyncio.fixture(loop_scope="session")
async def billing_url(new_database: Any) -> str:
    url: str = await new_database(MIGRATIONS, prefix="billing")
    return url


def billing_settings(make_settings: Any, url: str, kafka: str, **overrides: Any) -> BillingSettings:
    settings = make_settings("billing", url, kafka=kafka)
    # the scheduler would renew/end the tests' subscriptions on today's date behind their backs: off unless asked
    values = {
        **settings.model_dump(),
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "scheduler_enabled": False,
        **overrides,
    }
    return BillingSettings(**values)


@pytest_asyncio.fixture(loop_scope="session")
async def client(billing_url: str, make_settings: Any, private_kafka: Any) -> AsyncIterator[Any]:
    """The service without its event consumer (most tests seed the members read model directly; the
    consumer path has its own test with `consuming_client`)."""
    settings = billing_settings(make_settings, billing_url, private_kafka.bootstrap_servers, consumer_enabled=False)
    async with service_client(create_app(settings)) as http:
        http.database_url = billing_url  # type: ignore[attr-defined]
        http.kafka = private_kafka.bootstrap_servers  # type: ignore[attr-defined]
        yield http


@pytest_asyncio.fixture(loop_scope="session")
async def consuming_client(billing_url: str, make_settings: Any, private_kafka: Any) -> AsyncIterator[Any]:
    settings = billing_settings(make_settings, billing_url, private_kafka.bootstrap_servers)
    async with service_client(create_app(settings)) as http:
        http.database_url = billing_url  # type: ignore[attr-defined]
        http.kafka = private_kafka.bootstrap_servers  # type: ignore[attr-defined]
        yield http


AddMember = Callable[..., Awaitable[uuid.UUID]]


TEST_SQL = "billing-tests-sql"  # the application_name of the `sql` fixture's connections


@pytest_asyncio.fixture(loop_scope="session")
async def sql(billing_url: str) -> AsyncIterator[Callable[..., Awaitable[list[Any]]]]:
    """Run SQL against the service's database (to seed the members read model and check what was written)."""
    engine = create_async_engine(billing_url, connect_args={"server_settings": {"application_name": TEST_SQL}})

    async def run(statement: str, **params: Any) -> list[Any]:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement), params)
            return list(result.fetchall()) if result.returns_rows else []

    yield run
    await engine.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def add_member(sql: Callable[..., Awaitable[list[Any]]]) -> AddMember:
    async def add(
        studio_id: uuid.UUID,
        *,
        start_date: date = date(2026, 1, 1),
        first_name: str = "Anna",
        last_name: str = "de Vries",
    ) -> uuid.UUID:
        member_id = uuid.uuid4()
        await sql(
            "INSERT INTO member (member_id, studio_id, first_name, last_name, email, start_date, status) "
            "VALUES (:m, :s, :f, :l, :e, :d, 'active')",
            m=member_id,
            s=studio_id,
            f=first_name,
            l=last_name,
            e=f"{member_id.hex[:8]}@example.org",
            d=start_date,
        )
        return member_id

    return add


# --- Stripe: localstripe as a process and the billing app on a real port (for its webhooks) ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def localstripe(tmp_path: Any) -> Iterator[str]:
    """localstripe with what billing needs of Stripe's real API (iDEAL and its bank page, SEPA mandate_data,
    invoices paid out of band): see gymloop_devstack.localstripe_server."""
    port = free_port()
    log = (tmp_path / "localstripe.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gymloop_devstack.localstripe_server", "--port", str(port), "--from-scratch"],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest_asyncio.fixture(loop_scope="session")
async def served_billing(
    billing_url: str, make_settings: Any, private_kafka: Any, localstripe: str
) -> AsyncIterator[str]:
    """The billing app on a real port, so localstripe can deliver its webhooks."""
    settings = billing_settings(
        make_settings,
        billing_url,
        private_kafka.bootstrap_servers,
        consumer_enabled=False,
        stripe_api_base=localstripe,
        http_port=free_port(),
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.http_port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "billing did not start"
    try:
        yield f"http://127.0.0.1:{settings.http_port}"
    finally:
        server.should_exit = True
        await task


async def register_webhook(localstripe: str, served_billing: str) -> None:
    """Register billing's webhook endpoint with localstripe, signed with the secret billing checks."""
    async with httpx.AsyncClient() as raw:
        registered = await raw.post(
            f"{localstripe}/_config/webhooks/billing",
            data={"url": f"{served_billing}/stripe/webhook", "secret": WEBHOOK_SECRET},
        )
        registered.raise_for_status()


async def stripe_studio(http: httpx.AsyncClient, localstripe: str, served_billing: str, admin: dict[str, str]) -> None:
    """A studio that collects through Stripe, with billing's webhook registered."""
    await register_webhook(localstripe, served_billing)
    settings = await http.put("/billing-settings", json={"collection_method": "stripe"}, headers=admin)
    assert settings.status_code == 200, settings.text


RETURN_URL = "https://members.example/payments/done?from=gymloop"


async def at_the_bank(redirect_url: str, *, approve: bool) -> dict[str, list[str]]:
    """The member's browser at the iDEAL bank page: approve or refuse; the bank sends them back to RETURN_URL."""
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(f"{redirect_url}&success={'true' if approve else 'false'}")
    assert answer.status_code == 302, answer.text
    back = answer.headers["location"]
    assert back.startswith(RETURN_URL + "&")
    return parse_qs(urlsplit(back).query)


def signed(payload: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


# --- Stripe behind a watching proxy: was a billing transaction open while Stripe was called? ---

# Billing's connections inside a transaction, but not the relay's claim of outbox rows (it holds its claim while
# publishing to the broker, by design), not this query's own connection, not the test's own `sql` checks (a poll
# caught between its SELECT and its commit), and not asyncpg's type introspection: a connection caught between
# that lookup and the statement it serves (a consumer's, say) is waiting on no one.
OPEN_TRANSACTIONS = text(
    "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND application_name <> 'billing-tests-sql' "  # TEST_SQL
    "AND state LIKE 'idle in transaction%' AND query NOT ILIKE '%outbox%' AND query NOT ILIKE '%typeinfo_tree%' "
    "AND query NOT ILIKE '%typbasetype%'"
)
HOP_HEADERS = {"host", "content-length", "transfer-encoding", "content-encoding", "connection"}


@dataclass(frozen=True)
class StripeCall:
    method: str
    path: str
    open_transactions: list[str]  # the last statement of each billing transaction open during the call


@dataclass
class StripeWatch:
    url: str
    calls: list[StripeCall] = field(default_factory=list)
    unavailable: set[tuple[str, str]] = field(default_factory=set)  # (method, path) Stripe answers 503 to

    def inside_transactions(self) -> list[StripeCall]:
        return [call for call in self.calls if call.open_transactions]


def _watching_proxy(
    upstream: str, database_url: str, watch: StripeWatch
) -> tuple[Starlette, Callable[[], Awaitable[None]]]:
    engine = create_async_engine(database_url, poolclass=NullPool)
    forward_client = httpx.AsyncClient(base_url=upstream, timeout=30)

    async def forward(request: Request) -> Response:
        # billing is waiting for this answer now: whatever transaction it has open stays open until we answer
        async with engine.connect() as connection:
            open_now = [str(row[0]) for row in await connection.execute(OPEN_TRANSACTIONS)]
        watch.calls.append(StripeCall(request.method, request.url.path, open_now))
        if (request.method, request.url.path) in watch.unavailable:
            outage = {"error": {"type": "api_error", "message": "Stripe is briefly unavailable"}}
            return Response(json.dumps(outage), status_code=503, media_type="application/json")
        answer = await forward_client.request(
            request.method,
            request.url.path,
            params=request.query_params.multi_items(),
            content=await request.body(),
            headers={k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS},
        )
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_HEADERS}
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    async def close() -> None:
        await forward_client.aclose()
        await engine.dispose()

    return Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST", "DELETE"])]), close


async def _serve(app: Any, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "server did not start"
    return server, task


@pytest_asyncio.fixture(loop_scope="session")
async def stripe_watch(localstripe: str, billing_url: str) -> AsyncIterator[StripeWatch]:
    """localstripe behind a proxy that notes every Stripe request and billing's open transactions at that moment."""
    port = free_port()
    watch = StripeWatch(url=f"http://127.0.0.1:{port}")
    app, close = _watching_proxy(localstripe, billing_url, watch)
    server, task = await _serve(app, port)
    try:
        yield watch
    finally:
        server.should_exit = True
        await task
        await close()


@pytest_asyncio.fixture(loop_scope="session")
async def watched_billing(
    billing_url: str, make_settings: Any, private_kafka: Any, stripe_watch: StripeWatch
) -> AsyncIterator[str]:
    """The billing app on a real port, calling Stripe through `stripe_watch`."""
    settings = billing_settings(
        make_settings,
        billing_url,
        private_kafka.bootstrap_servers,
        consumer_enabled=False,
        stripe_api_base=stripe_watch.url,
        http_port=free_port(),
    )
    server, task = await _serve(create_app(settings), settings.http_port)
    try:
        yield f"http://127.0.0.1:{settings.http_port}"
    finally:
        server.should_exit = True
        await task
