"""Fixtures for the notifications service against real PostgreSQL, a real broker and an SMTP sink."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from gymloop_contracts import Envelope
from gymloop_devstack.infra import free_port
from gymloop_devstack.testing import service_client
from gymloop_kit.messaging.kafka import create_producer
from gymloop_notifications.app import create_app
from gymloop_notifications.settings import NotificationsSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink("127.0.0.1", free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def service(new_database, make_settings, private_kafka, smtp_sink) -> AsyncIterator[httpx.AsyncClient]:
    url = await new_database(MIGRATIONS, prefix="notifications")
    base = make_settings("notifications", url, kafka=private_kafka.bootstrap_servers)
    settings = NotificationsSettings(
        **base.model_dump(),
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        mail_poll_interval_s=0.2,
        scheduler_poll_interval_s=3600,
        refresh_job_poll_interval_s=0.1,
    )
    app = create_app(settings)
    async with service_client(app) as http:
        http.database_url = url  # type: ignore[attr-defined]
        http.kafka = private_kafka.bootstrap_servers  # type: ignore[attr-defined]
        http.runtime = app.state.runtime  # type: ignore[attr-defined]
        await asyncio.wait_for(app.state.runtime.consumer.assigned.wait(), 30)
        yield http


@pytest.fixture
def refresh_now():
    return _refresh_now


async def _refresh_now(service: httpx.AsyncClient, headers: dict[str, str], timeout_s: float = 30.0) -> dict[str, Any]:
    """POST /refresh answers 202 with a job at once; the job's address (Location) is read until the job is done."""
    asked = await service.post("/refresh", headers=headers)
    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] in ("queued", "running", "succeeded")
    location = asked.headers["location"]
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        job: dict[str, Any] = (await service.get(f"/{location}", headers=headers)).json()
        if job["status"] in ("succeeded", "failed"):
            assert job["status"] == "succeeded", job
            return job
        assert asyncio.get_running_loop().time() < deadline, f"the refresh job is still {job['status']}: {job}"
        await asyncio.sleep(0.05)


@pytest.fixture
def send_envelope():
    return _send_envelope


async def _send_envelope(bootstrap: str, envelope: Envelope, times: int = 1) -> None:
    """Put an already-wrapped envelope on its topic, `times` times (a redelivery keeps the event_id)."""
    producer = create_producer(bootstrap, f"test-{uuid.uuid4().hex[:6]}")
    await producer.start()
    try:
        for _ in range(times):
            await producer.send_and_wait(
                envelope.topic, envelope.model_dump_json().encode(), key=envelope.partition_key.encode()
            )
    finally:
        await producer.stop()
