"""Helpers for tests: run a service app in-process or over real HTTP, read error answers, watch topics on the
real broker, mint tokens."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from gymloop_contracts import Envelope, topic_for
from gymloop_contracts.base import EventPayload
from gymloop_kit.auth import KeyPair, Role, issue_access_token
from gymloop_kit.db import Database
from sqlalchemy import text


@contextlib.asynccontextmanager
async def service_client(app: FastAPI, base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan (database, producer, relay, consumer) and talk to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


@contextlib.asynccontextmanager
async def http_server(app: FastAPI) -> AsyncIterator[str]:
    """Serve the app with uvicorn on a free local port (lifespan included); yields its base URL.

    Unlike the in-process transport, the client sees the answer when the server sends it, so tests can
    check what happens between sending an answer and finishing the request.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_config=None, access_log=False))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            if serving.done():
                serving.result()  # startup failed: raise why
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
        listener.close()


def problem(response: httpx.Response, status: int | None = None) -> dict[str, Any]:
    """The body of an error answer, checked to be an RFC 9457 problem document (of `status`, if given)."""
    assert response.headers.get("content-type", "").startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code, body
    if status is not None:
        assert response.status_code == status, response.text
    return body


def error_fields(response: httpx.Response) -> list[dict[str, Any]]:
    """The field-level problems of an error answer: [{"loc": [...], "msg": ..., "type": code}, ...]."""
    errors: list[dict[str, Any]] = problem(response)["errors"]
    return errors


@dataclass(frozen=True)
class TokenFactory:
    keys: KeyPair

    def __call__(
        self,
        *,
        studio_id: uuid.UUID,
        role: Role | str = Role.member,
        account_id: uuid.UUID | None = None,
        member_id: uuid.UUID | None = None,
        ttl_s: int = 900,
    ) -> str:
        return issue_access_token(
            self.keys.private_pem,
            account_id=account_id or uuid.uuid4(),
            studio_id=studio_id,
            role=role,
            member_id=member_id,
            ttl_s=ttl_s,
        )

    def headers(self, **claims: object) -> dict[str, str]:
        return {"Authorization": f"Bearer {self(**claims)}"}  # type: ignore[arg-type]


class EventProbe:
    """Reads topics from the beginning on the real broker, in its own consumer group."""

    def __init__(self, bootstrap_servers: str, topics: Iterable[str]) -> None:
        self.topics = sorted(set(topics))
        self._consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=bootstrap_servers,
            group_id=f"probe-{uuid.uuid4()}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.received: list[Envelope] = []

    @classmethod
    def for_events(cls, bootstrap_servers: str, *models: type[EventPayload]) -> EventProbe:
        return cls(bootstrap_servers, [topic_for(model.event_type, model.version) for model in models])

    async def __aenter__(self) -> EventProbe:
        await self._consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()

    async def poll(self, timeout_s: float = 0.5) -> list[Envelope]:
        batches = await self._consumer.getmany(timeout_ms=int(timeout_s * 1000))
        fresh = [Envelope.model_validate_json(record.value) for records in batches.values() for record in records]
        self.received.extend(fresh)
        return fresh

    async def wait_for(
        self, predicate: Callable[[list[Envelope]], bool], timeout_s: float = 15.0, settle_s: float = 0.0
    ) -> list[Envelope]:
        """Poll until `predicate(all received)` holds; then keep polling `settle_s` to catch extras."""
        deadline = time.monotonic() + timeout_s
        while not predicate(self.received):
            if time.monotonic() > deadline:
                types = [envelope.event_type for envelope in self.received]
                raise AssertionError(f"events not seen within {timeout_s}s; got {types}")
            await self.poll()
        settle_until = time.monotonic() + settle_s
        while time.monotonic() < settle_until:
            await self.poll(0.2)
        return self.received

    def of_type(self, model: type[EventPayload]) -> list[Envelope]:
        return [envelope for envelope in self.received if envelope.event_type == model.event_type]


async def publish(
    bootstrap_servers: str,
    payload: EventPayload,
    *,
    studio_id: uuid.UUID,
    sequence: int = 1,
    producer: str | None = None,
) -> Envelope:
    """Put one event on the real broker as its owning service would (for a consumer under test)."""
    from gymloop_contracts import wrap
    from gymloop_kit.messaging.kafka import create_producer

    envelope = wrap(payload, studio_id=studio_id, producer=producer or payload.owner,
                    correlation_id=f"test-{uuid.uuid4()}", sequence=sequence)  # fmt: skip
    kafka = create_producer(bootstrap_servers, "test-publisher")
    await kafka.start()
    try:
        await kafka.send_and_wait(
            envelope.topic, envelope.model_dump_json().encode(), key=envelope.partition_key.encode()
        )
    finally:
        await kafka.stop()
    return envelope


async def eventually(check: Callable[[], object], timeout_s: float = 15.0, interval_s: float = 0.1) -> object:
    """Await a condition that becomes true asynchronously (an async callable or a plain one)."""
    deadline = time.monotonic() + timeout_s
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return result
        except AssertionError as error:
            last_error = error
        await asyncio.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s}s") from last_error


def answered(answer: httpx.Response, *codes: int) -> Any:
    """The answer's JSON (None without a body), after checking its status (200 unless `codes` are given); a wrong
    status fails with the request and the body, which say what went wrong."""
    assert answer.status_code in (codes or (200,)), f"{answer.request.method} {answer.request.url}: {answer.text}"
    return answer.json() if answer.content else None


def answered_once_known(send: Callable[[], httpx.Response], refused_code: str, what: str, *codes: int) -> Any:
    """Like `answered`, for a request that needs a service to have heard of something by an event first (a
    coach that bookings learns of from members): sent again while it is refused with `refused_code`, which
    writes nothing, until it is not (or the wait times out)."""

    def sent() -> httpx.Response | None:
        answer = send()
        refused = answer.status_code == 422 and answer.json().get("code") == refused_code
        return None if refused else answer

    return answered(wait_until(sent, what), *codes)


def wait_until(check: Callable[[], Any], what: str, timeout_s: float = 60.0) -> Any:
    """For tests against running processes: the services learn from each other's events, so wait until `check`
    gives something truthy, and return it."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


async def outbox_rows(database: Database) -> list[dict[str, Any]]:
    """The outbox in the order it was written (event_id, topic, partition_key, envelope): what the relay sends."""
    async with database.transaction() as session:
        rows = await session.execute(text("SELECT event_id, topic, partition_key, envelope FROM outbox ORDER BY id"))
        return [dict(row._mapping) for row in rows]


def assert_outbox_row(row: dict[str, Any], expected: EventPayload, *, sequence: int) -> Envelope:
    """One outbox row holds `expected` as add_event writes it: the owner as producer, the payload's aggregate and
    partition key, the given per-aggregate sequence and a UUIDv7 event id."""
    envelope = Envelope.model_validate(row["envelope"])
    assert envelope.parse_payload() == expected
    assert (envelope.producer, envelope.aggregate_type, envelope.aggregate_id) == (
        expected.owner,
        expected.aggregate_type,
        expected.aggregate_id,
    )
    assert envelope.sequence == sequence
    assert envelope.event_id.version == 7
    assert row["event_id"] == envelope.event_id
    assert (row["topic"], row["partition_key"]) == (envelope.topic, expected.partition_key)
    return envelope
