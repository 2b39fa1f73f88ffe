"""`make dev`'s broker keeps its topics in memory; an event that members published but no one had consumed when
the stack stopped is on the broker again after the next start (the `replay outboxes` step), for any consumer."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from pathlib import Path

import pytest
from gymloop_contracts.events.members import MemberArchived
from gymloop_devstack.dev import DevSettings, DevStack
from gymloop_devstack.infra import free_port
from gymloop_devstack.testing import EventProbe, eventually
from gymloop_kit.db import Database
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import text

pytestmark = pytest.mark.e2e


def members_only(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> DevSettings:
    """A stack of members alone, on free ports, in its own data dir; the same settings for both starts."""
    env = {
        "GYMLOOP_DEV_DATA_DIR": str(data_dir),
        "GYMLOOP_DEV_SERVICES": '["members"]',
        "GYMLOOP_DEV_WEB": "false",
        "GYMLOOP_DEV_GATEWAY_PORT": str(free_port()),
        "GYMLOOP_DEV_SERVICE_PORTS": json.dumps({"members": free_port()}),
        "GYMLOOP_DEV_KAFKA_PORT": str(free_port()),
        "GYMLOOP_DEV_SMTP_PORT": str(free_port()),
        "GYMLOOP_DEV_MAIL_HTTP_PORT": str(free_port()),
        "GYMLOOP_DEV_STRIPE_PORT": str(free_port()),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return DevSettings(demo=False, ready_timeout_s=120.0)


async def _publish_unconsumed(dev: DevStack) -> uuid.UUID:
    """An event in members' outbox, as a use case writes it; the relay sends it, nothing consumes it."""
    database = Database(dev.running["members"].database_url)
    try:
        async with database.transaction() as session:
            envelope = await add_event(session, MemberArchived(member_id=uuid.uuid4()), studio_id=uuid.uuid4())

        async def published() -> bool:
            async with database.transaction() as session:
                query = text("SELECT published_at IS NOT NULL FROM outbox WHERE event_id = :id")
                return bool((await session.execute(query, {"id": envelope.event_id})).scalar_one())

        try:
            # The relay's first send to a topic new to the broker waits for its metadata; on a loaded machine a
            # timed-out attempt and its backoff can take a while, so the bound is generous.
            await eventually(published, timeout_s=120)
        except AssertionError as error:
            async with database.transaction() as session:
                query = text("SELECT attempts, last_error, available_at FROM outbox WHERE event_id = :id")
                row = (await session.execute(query, {"id": envelope.event_id})).one()
            process = dev.running["members"].process
            log = process.log_tail(40) if process else "(no process)"
            raise AssertionError(f"not published: {row._asdict()}\nmembers' log:\n{log}") from error
        return envelope.event_id
    finally:
        await database.dispose()


async def _on_broker(bootstrap: str, event_id: uuid.UUID) -> None:
    async with EventProbe.for_events(bootstrap, MemberArchived) as probe:
        await probe.wait_for(lambda seen: any(envelope.event_id == event_id for envelope in seen), timeout_s=60)


def test_an_event_in_flight_at_a_stop_is_on_the_broker_after_the_next_start(tmp_path, monkeypatch):
    settings = members_only(tmp_path / "dev-data", monkeypatch)
    lines: list[str] = []
    dev = DevStack(settings, out=lines.append)
    try:
        dev.start()
        assert dev.ready_after_s, "\n".join(lines)
        event_id = asyncio.run(_publish_unconsumed(dev))
    finally:
        dev.stop()

    lines.clear()
    dev = DevStack(settings, out=lines.append)
    try:
        dev.start()
        assert dev.ready_after_s, "\n".join(lines)
        replayed = [line for line in lines if "replay outboxes" in line]
        assert replayed, "\n".join(lines)
        assert re.search(r"members [1-9]", replayed[0]), replayed[0]
        asyncio.run(_on_broker(dev.kafka_bootstrap, event_id))
    finally:
        dev.stop()
