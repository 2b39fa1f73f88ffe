from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_asyncio
from gymloop_devstack.testing import service_client
from gymloop_members.app import create_app
from gymloop_members.settings import MembersSettings

sys.path.insert(0, str(Path(__file__).parent))  # members_testkit

from members_testkit import MIGRATIONS, MailSink


@pytest.fixture
def mail_sink():
    sink = MailSink().start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def members_settings(make_settings, jwt_keys, mail_sink, private_kafka):
    """Settings for one test: its own database (set by `client`), its own broker, the SMTP sink, cheap argon2."""

    def make(database_url: str, **overrides: object) -> MembersSettings:
        base = make_settings("members", database_url, kafka=private_kafka.bootstrap_servers)
        values = base.model_dump() | {
            "jwt_private_key": jwt_keys.private_pem,
            "smtp_host": "127.0.0.1",
            "smtp_port": mail_sink.port,
            "mail_poll_interval_s": 0.1,
            "public_base_url": "http://app.test",
            "argon2_time_cost": 1,
            "argon2_memory_cost_kib": 1024,
            "argon2_parallelism": 1,
        }
        values.update(overrides)
        return MembersSettings(**values)

    return make


@pytest.fixture
def consumer_enabled() -> bool:
    """Off unless a test module consumes events (it overrides this fixture): stopping a consumer that is still
    joining its group takes seconds, and most tests only need HTTP, the database, the relay and the mail job."""
    return False


@pytest_asyncio.fixture(loop_scope="session")
async def client(new_database, members_settings, consumer_enabled):
    url = await new_database(MIGRATIONS, prefix="members")
    settings = members_settings(url, consumer_enabled=consumer_enabled)
    async with service_client(create_app(settings)) as http:
        http.database_url = url
        http.settings = settings
        yield http
