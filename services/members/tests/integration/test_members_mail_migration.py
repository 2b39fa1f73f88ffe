"""Migration 0004: the mail outbox of 0001 takes the kit's shape in place; what was queued is kept, and the kit's
sender sends what was still to send."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from gymloop_devstack.smtp_server import SmtpServer
from gymloop_kit.db import Database, asyncpg_dsn
from gymloop_kit.mail import MailSender
from gymloop_kit.mail.table import metadata as kit_mail_metadata
from gymloop_kit.migrations import upgrade
from gymloop_members.settings import MembersSettings

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

# mail_outbox as 0001 made it before the kit's mail outbox existed.
FIRST_SHAPE = """
DROP TABLE IF EXISTS mail_outbox;
CREATE TABLE mail_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    studio_id UUID,
    to_address VARCHAR(320) NOT NULL,
    subject VARCHAR(300) NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    available_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    sent_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT pk_mail_outbox PRIMARY KEY (id)
);
CREATE INDEX ix_mail_outbox_pending ON mail_outbox (available_at) WHERE sent_at IS NULL;
"""

SHAPE = """
SELECT 'column', column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
  FROM information_schema.columns WHERE table_name = 'mail_outbox'
UNION ALL SELECT 'index', indexdef FROM pg_indexes WHERE tablename = 'mail_outbox'
UNION ALL SELECT 'constraint', conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE conrelid = 'mail_outbox'::regclass
ORDER BY 1, 2
"""


async def shape(url: str) -> list[tuple[str, str]]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return [tuple(row) for row in await connection.fetch(SHAPE)]
    finally:
        await connection.close()


async def test_0004_brings_the_first_mail_outbox_to_the_kits_shape_and_keeps_the_queue(new_database, tmp_path):
    url = await new_database(None, prefix="members_mail")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0003")
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(FIRST_SHAPE)
        await connection.execute(
            """
            INSERT INTO mail_outbox (to_address, subject, body, attempts, sent_at, available_at) VALUES
                ('sent@example.com', 'Reset your Gymloop password', 'b', 1, now(), now()),
                ('parked@example.com', 'Reset your Gymloop password', 'b', 8, NULL, now() + interval '3650 days'),
                ('queued@example.com', 'Choose your password for Gym', 'b', 2, NULL, now())
            """
        )
    finally:
        await connection.close()

    await asyncio.to_thread(upgrade, MIGRATIONS, url, "head")

    kit_made = await new_database(None, prefix="members_mail_kit")
    kit_database = Database(kit_made)
    async with kit_database.engine.begin() as ddl:
        await ddl.run_sync(kit_mail_metadata.create_all)
    await kit_database.dispose()
    assert await shape(url) == await shape(kit_made)

    server = SmtpServer(tmp_path).start()
    database = Database(url)
    try:
        settings = MembersSettings(
            database_url=url, smtp_host=server.host, smtp_port=server.port, jwt_private_key="unused here"
        )
        assert await MailSender(database, settings).send_due() == 1
        assert [m["To"] for m in server.received.messages] == ["queued@example.com"]
        async with database.engine.connect() as query:
            rows = (await query.exec_driver_sql("SELECT to_address, status, attempts FROM mail_outbox")).all()
        assert sorted(tuple(row) for row in rows) == [
            ("parked@example.com", "failed", 8),
            ("queued@example.com", "sent", 3),
            ("sent@example.com", "sent", 1),
        ]
    finally:
        await database.dispose()
        server.stop()
