"""Migration 0002: e-mail deliveries still pending when the kit's mail outbox arrives move into it, one mail
each, and are sent and reported back like any new one."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest
from gymloop_devstack.smtp_server import SmtpServer
from gymloop_kit.db import Database, asyncpg_dsn
from gymloop_kit.mail import MailSender
from gymloop_kit.migrations import upgrade
from gymloop_notifications.service.email_sender import record_email_results
from gymloop_notifications.settings import NotificationsSettings

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def test_0002_moves_pending_email_deliveries_into_the_mail_outbox(new_database, tmp_path) -> None:
    url = await new_database(None, prefix="notifications_mail")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0001")
    studio, message, waiting, done, in_app = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute("DROP TABLE IF EXISTS mail_outbox")  # 0001 as it was before the kit's outbox
        await connection.execute(
            "INSERT INTO message (message_id, studio_id, subject, body, audience, channels, created_by, created_at)"
            " VALUES ($1, $2, 'Summer hours', 'From July we open at 6:00.', '{}', '{email,in_app}', $3, now())",
            message, studio, uuid.uuid4(),
        )  # fmt: skip
        await connection.executemany(
            "INSERT INTO message_delivery (message_id, member_id, channel, studio_id, status, email, attempts)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                (message, waiting, "email", studio, "pending", "waiting@example.com", 2),
                (message, done, "email", studio, "sent", "done@example.com", 1),
                (message, in_app, "in_app", studio, "delivered", None, 0),
            ],
        )
    finally:
        await connection.close()

    await asyncio.to_thread(upgrade, MIGRATIONS, url, "head")

    server = SmtpServer(tmp_path).start()
    database = Database(url)
    try:
        settings = NotificationsSettings(database_url=url, smtp_host=server.host, smtp_port=server.port)
        assert await MailSender(database, settings, on_settled=record_email_results).send_due() == 1
        [mail] = server.received.messages
        assert (mail["To"], mail["Subject"], mail["X-Gymloop-Message"]) == (
            "waiting@example.com",
            "Summer hours",
            str(message),
        )
        assert mail.get_content().strip() == "From July we open at 6:00."
        async with database.engine.connect() as query:
            rows = (
                await query.exec_driver_sql(
                    "SELECT member_id, status, attempts, delivered_at IS NOT NULL FROM message_delivery"
                )
            ).all()
        assert {row[0]: tuple(row[1:]) for row in rows} == {
            waiting: ("sent", 3, True),
            done: ("sent", 1, False),
            in_app: ("delivered", 0, False),
        }
    finally:
        await database.dispose()
        server.stop()
