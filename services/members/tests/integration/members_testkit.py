"""Helpers of the members integration tests: an SMTP sink, sign-up and staff shortcuts, direct DB checks."""

from __future__ import annotations

import asyncio
import re
import socket
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiosmtpd.controller import Controller
from gymloop_contracts import Envelope, EventPayload, wrap
from gymloop_kit.db import asyncpg_dsn
from gymloop_kit.messaging.kafka import create_producer

PASSWORD = "Kettlebell-42-swing"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MailSink:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    messages: list[Message] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def start(self) -> MailSink:
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    async def wait_for(self, address: str, count: int = 1, timeout_s: float = 10.0) -> list[Message]:
        deadline = time.monotonic() + timeout_s
        while len(self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no mail to {address} within {timeout_s}s; got {[m['To'] for m in self.messages]}"
                )
            await asyncio.sleep(0.05)
        return self.to(address)


def token_from(message: Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    match = re.search(r"\?token=([A-Za-z0-9_\-]+)", body.decode())
    assert match, body
    return match.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Studio:
    studio_id: uuid.UUID
    admin_token: str
    admin_member_id: uuid.UUID
    admin_email: str
    refresh_token: str

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.admin_token)


async def signup(client: httpx.AsyncClient, name: str = "Studio", email: str | None = None) -> Studio:
    email = email or f"owner-{uuid.uuid4().hex[:8]}@gym.example.com"
    response = await client.post(
        "/studios/signup",
        json={"studio_name": name, "email": email, "password": PASSWORD, "first_name": "Olga", "last_name": "Owner"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Studio(
        studio_id=uuid.UUID(body["studio_id"]),
        admin_token=body["access_token"],
        admin_member_id=uuid.UUID(body["member_id"]),
        admin_email=email,
        refresh_token=body["refresh_token"],
    )


async def add_member(
    client: httpx.AsyncClient, headers: dict[str, str], email: str | None = None, **fields: Any
) -> dict[str, Any]:
    payload = {
        "email": email or f"m-{uuid.uuid4().hex[:8]}@gym.example.com",
        "first_name": fields.pop("first_name", "Mia"),
        "last_name": fields.pop("last_name", "Member"),
        "start_date": "2026-01-05",
        **fields,
    }
    response = await client.post("/members", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def db_fetch(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def db_execute(database_url: str, query: str, *args: Any) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await connection.execute(query, *args)
    finally:
        await connection.close()


async def counts(database_url: str, *tables: str) -> dict[str, int]:
    """Row counts, to show a refused request wrote nothing."""
    result = {}
    for table in tables:
        rows = await db_fetch(database_url, f"SELECT count(*) AS n FROM {table}")  # noqa: S608 - test-owned names
        result[table] = int(rows[0]["n"])
    return result


async def login_status(client: httpx.AsyncClient, email: str, password: str) -> int:
    response = await client.post("/auth/login", json={"email": email, "password": password})
    return response.status_code


def envelope_of(payload: EventPayload, studio_id: uuid.UUID) -> Envelope:
    """An event as its owning service would wrap it (one event id: sending it twice is a redelivery)."""
    return wrap(payload, studio_id=studio_id, producer=payload.owner, correlation_id=f"test-{uuid.uuid4()}", sequence=1)


async def send_together(bootstrap_servers: str, envelopes: list[Envelope], *, partition: int = 0) -> None:
    """Put envelopes on one partition in one go, so the consumer most likely fetches them as one batch."""
    kafka = create_producer(bootstrap_servers, "test-publisher")
    await kafka.start()
    try:
        sent = [
            await kafka.send(e.topic, e.model_dump_json().encode(), key=e.partition_key.encode(), partition=partition)
            for e in envelopes
        ]
        await asyncio.gather(*sent)
    finally:
        await kafka.stop()
