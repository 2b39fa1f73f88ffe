"""The kit's mail outbox sender against real PostgreSQL and a real SMTP server in this process: login (PLAIN,
LOGIN) over STARTTLS and implicit TLS, clear failure reasons (wrong password, untrusted certificate), a mail
that cannot be built fails alone and is never resent, retries end in `failed`, and no transaction or row
lock is held while SMTP is talked to."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from gymloop_devstack.smtp_server import SmtpServer
from gymloop_kit.db import Database, asyncpg_dsn
from gymloop_kit.mail import MailResult, MailSender, OutgoingMail, queue_mails
from gymloop_kit.mail.table import metadata as mail_metadata
from gymloop_kit.settings import MailSettings
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration

USERS = {"gym@provider.example": "s3cret pass"}


@pytest_asyncio.fixture(loop_scope="session")
async def database(new_database) -> AsyncIterator[Database]:
    url = await new_database(prefix="kitmail")
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.run_sync(mail_metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def servers(tmp_path: Path):
    started: list[SmtpServer] = []

    def start(**options: Any) -> SmtpServer:
        server = SmtpServer(tmp_path, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def settings_for(database: Database, server: SmtpServer, **overrides: Any) -> MailSettings:
    values: dict[str, Any] = {
        "service_name": "kit-test",
        "database_url": database.url,
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_timeout_s": 5.0,
        "smtp_sender": "Gymloop <no-reply@gymloop.example.com>",
        "mail_batch_size": 10,
        "mail_retry_base_s": 0.01,
    }
    return MailSettings(**(values | overrides))


def login(server: SmtpServer, security: str, password: str = USERS["gym@provider.example"]) -> dict[str, Any]:
    return {
        "smtp_security": security,
        "smtp_username": "gym@provider.example",
        "smtp_password": password,
        "smtp_ca_file": str(server.ca_file),
    }


async def queue(database: Database, *mails: OutgoingMail) -> None:
    async with database.transaction() as session:
        await queue_mails(session, mails)


def mail(to: str, subject: str = "Welcome", **extra: Any) -> OutgoingMail:
    return OutgoingMail(to=to, subject=subject, body="Hello,\n\nsee you at the gym.\n", **extra)


async def rows(database: Database) -> dict[str, dict[str, Any]]:
    connection = await asyncpg.connect(asyncpg_dsn(database.url))
    try:
        found = await connection.fetch("SELECT * FROM mail_outbox ORDER BY id")
    finally:
        await connection.close()
    return {row["to_address"]: dict(row) for row in found}


async def make_due(database: Database) -> None:
    """Skip the back-off wait of every mail still to send."""
    connection = await asyncpg.connect(asyncpg_dsn(database.url))
    try:
        await connection.execute("UPDATE mail_outbox SET available_at = now() WHERE status = 'pending'")
    finally:
        await connection.close()


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_a_mail_goes_out_over_starttls_with_login(database, servers, mechanism):
    server = servers(security="starttls", users=USERS, mechanisms=(mechanism,))
    studio = uuid.uuid4()
    await queue(database, mail("ann@example.com", headers={"X-Gymloop-Message": "m-1"}, studio_id=studio))

    sender = MailSender(database, settings_for(database, server, **login(server, "starttls")))
    assert await sender.send_due() == 1

    assert server.received.logins == [(mechanism, "gym@provider.example")]
    [received] = server.received.to("ann@example.com")
    assert received["Subject"] == "Welcome"
    assert received["From"] == "Gymloop <no-reply@gymloop.example.com>"
    assert received["X-Gymloop-Message"] == "m-1"
    assert received["Message-ID"].endswith("@gymloop.example.com>")
    row = (await rows(database))["ann@example.com"]
    assert (row["status"], row["attempts"], row["last_error"], row["studio_id"]) == ("sent", 1, None, studio)
    assert row["sent_at"] is not None
    assert await sender.send_due() == 0  # nothing is sent twice


async def test_a_mail_goes_out_over_implicit_tls_with_login(database, servers):
    server = servers(security="tls", users=USERS)
    await queue(database, mail("bob@example.com"), mail("cem@example.com"))

    sender = MailSender(database, settings_for(database, server, **login(server, "tls")))
    assert await sender.send_due() == 2

    assert server.received.logins == [("PLAIN", "gym@provider.example")]  # one session for the batch
    assert sorted(m["To"] for m in server.received.messages) == ["bob@example.com", "cem@example.com"]
    assert {row["status"] for row in (await rows(database)).values()} == {"sent"}


async def test_a_wrong_password_is_retried_then_fails_with_the_servers_answer(database, servers):
    server = servers(security="starttls", users=USERS)
    await queue(database, mail("dee@example.com"))
    settings = settings_for(database, server, mail_max_attempts=2, **login(server, "starttls", password="wrong"))
    sender = MailSender(database, settings)

    await sender.send_due()
    row = (await rows(database))["dee@example.com"]
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "refused the login of 'gym@provider.example'" in row["last_error"]
    assert "535" in row["last_error"]

    await make_due(database)
    await sender.send_due()
    row = (await rows(database))["dee@example.com"]
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert row["last_error"].startswith("gave up after 2 tries; last: ")
    assert "refused the login" in row["last_error"]
    assert server.received.messages == []
    await make_due(database)
    assert await sender.send_due() == 0  # failed is final


async def test_a_certificate_the_sender_does_not_trust_is_a_clear_tls_failure(database, servers):
    server = servers(security="tls", users=USERS)
    await queue(database, mail("eve@example.com"))
    untrusted = login(server, "tls") | {"smtp_ca_file": ""}  # the system's CAs do not know the test CA

    await MailSender(database, settings_for(database, server, **untrusted)).send_due()

    row = (await rows(database))["eve@example.com"]
    assert row["status"] == "pending"
    assert row["last_error"].startswith(f"TLS with {server.host}:{server.port} failed (tls): ")
    assert "CERTIFICATE_VERIFY_FAILED" in row["last_error"]
    assert server.received.messages == []


async def test_a_mail_whose_headers_cannot_be_built_fails_alone_and_is_never_resent(database, servers):
    server = servers(security="starttls", users=USERS)
    server.received.refuse_recipients.add("gone@example.com")
    await queue(
        database,
        mail("line-separator@example.com", subject="Your booking\u2028Bcc: everyone@example.com"),
        mail("newline@example.com", subject="Hi\nBcc: everyone@example.com"),
        mail("not an address"),
        mail("gone@example.com"),
        mail("fine@example.com"),
    )
    sender = MailSender(database, settings_for(database, server, **login(server, "starttls")))

    assert await sender.send_due() == 5

    assert [m["To"] for m in server.received.messages] == ["fine@example.com"]
    found = await rows(database)
    assert {address: row["status"] for address, row in found.items()} == {
        "line-separator@example.com": "failed",
        "newline@example.com": "failed",
        "not an address": "failed",
        "gone@example.com": "failed",
        "fine@example.com": "sent",
    }
    assert found["line-separator@example.com"]["last_error"].startswith("invalid e-mail: Subject header ")
    assert "linefeed or carriage return" in found["line-separator@example.com"]["last_error"]
    assert "not exactly one e-mail address" in found["not an address"]["last_error"]
    assert "refused the recipient: 550 5.1.1 no such mailbox here" in found["gone@example.com"]["last_error"]
    assert {row["attempts"] for row in found.values()} == {1}
    await make_due(database)
    assert await sender.send_due() == 0
    assert len(server.received.messages) == 1


async def test_smtp_is_talked_to_with_no_transaction_open_and_no_row_locked(database, servers):
    server = servers()
    await queue(database, mail("fay@example.com"))
    seen: dict[str, Any] = {}

    async def look_at_the_database() -> None:
        connection = await asyncpg.connect(asyncpg_dsn(database.url))
        try:
            seen["open_transactions"] = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND xact_start IS NOT NULL"
            )
            # NOWAIT fails at once if the sender still held the row it claimed.
            async with connection.transaction():
                seen["status"] = await connection.fetchval("SELECT status FROM mail_outbox FOR UPDATE NOWAIT")
        finally:
            await connection.close()

    server.received.during_data = look_at_the_database
    await MailSender(database, settings_for(database, server)).send_due()

    assert seen == {"open_transactions": 0, "status": "sending"}  # claimed and committed before sending
    assert (await rows(database))["fay@example.com"]["status"] == "sent"


async def test_a_mail_claimed_by_a_sender_that_died_is_sent_again_until_no_try_is_left(database, servers):
    server = servers()
    await queue(database, mail("gil@example.com"), mail("hal@example.com"))
    connection = await asyncpg.connect(asyncpg_dsn(database.url))
    try:
        # Both claimed by a sender that died; their leases have run out. hal's was the last try.
        await connection.execute(
            "UPDATE mail_outbox SET status = 'sending', available_at = now() - interval '1 second', "
            "attempts = CASE to_address WHEN 'hal@example.com' THEN 3 ELSE 1 END"
        )
    finally:
        await connection.close()
    settled: list[MailResult] = []

    async def on_settled(session: AsyncSession, results: Sequence[MailResult]) -> None:
        settled.extend(results)

    sender = MailSender(database, settings_for(database, server, mail_max_attempts=3), on_settled=on_settled)
    await sender.send_due()

    assert [m["To"] for m in server.received.messages] == ["gil@example.com"]
    found = await rows(database)
    assert (found["gil@example.com"]["status"], found["gil@example.com"]["attempts"]) == ("sent", 2)
    assert found["hal@example.com"]["status"] == "failed"
    assert found["hal@example.com"]["last_error"] == "no result recorded for try 3 (the sender stopped)"
    assert sorted((r.status.value, r.attempts) for r in settled) == [("failed", 3), ("sent", 2)]


async def test_two_senders_at_once_send_each_mail_once(database, servers):
    server = servers()
    await queue(database, *(mail(f"member{i}@example.com", reference=f"ref-{i}") for i in range(30)))
    settled: list[MailResult] = []

    async def on_settled(session: AsyncSession, results: Sequence[MailResult]) -> None:
        settled.extend(results)

    settings = settings_for(database, server, mail_batch_size=4)
    senders = [MailSender(database, settings, on_settled=on_settled) for _ in range(2)]

    async def drain(sender: MailSender) -> None:
        while await sender.send_due():
            pass

    await asyncio.gather(*(drain(sender) for sender in senders))

    assert sorted(m["To"] for m in server.received.messages) == sorted(f"member{i}@example.com" for i in range(30))
    assert sorted(r.reference or "" for r in settled) == sorted(f"ref-{i}" for i in range(30))
    assert {r.status.value for r in settled} == {"sent"}


async def test_an_unreachable_server_leaves_the_mail_pending_with_the_reason(database, servers):
    server = servers()
    server.stop()  # nothing listens on its port any more
    await queue(database, mail("ida@example.com"))

    assert await MailSender(database, settings_for(database, server)).send_due() == 0  # wait, do not hammer

    row = (await rows(database))["ida@example.com"]
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["last_error"].startswith(f"no SMTP session with {server.host}:{server.port} (none): ")
    assert row["available_at"] > row["created_at"]


@pytest.mark.unit
def test_a_login_without_tls_is_refused_at_start_up():
    with pytest.raises(ValidationError, match="GYMLOOP_SMTP_SECURITY to starttls or tls"):
        MailSettings(smtp_username="gym@provider.example", smtp_password="x", smtp_security="none")
