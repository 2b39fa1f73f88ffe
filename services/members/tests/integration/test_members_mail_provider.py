"""Account e-mails through a mail provider as real ones are set up: login over STARTTLS or implicit TLS, with
the provider's certificate checked; a wrong password shows as the mail's clear failure reason."""

from __future__ import annotations

import asyncio

import pytest
from gymloop_devstack.smtp_server import SmtpServer
from gymloop_devstack.testing import eventually, service_client
from gymloop_members.app import create_app
from members_testkit import MIGRATIONS, db_fetch, signup, token_from

pytestmark = pytest.mark.integration

USERS = {"members@provider.example": "app-password-1"}


def provider_settings(server: SmtpServer, security: str, password: str) -> dict[str, object]:
    return {
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_security": security,
        "smtp_username": "members@provider.example",
        "smtp_password": password,
        "smtp_ca_file": str(server.ca_file),
        "consumer_enabled": False,  # mail needs HTTP, the database and the mail job only
    }


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_a_reset_mail_goes_out_through_a_provider_that_wants_tls_and_login(
    new_database, members_settings, tmp_path, security
):
    server = SmtpServer(tmp_path, security=security, users=USERS).start()
    try:
        url = await new_database(MIGRATIONS, prefix="members")
        settings = members_settings(url, **provider_settings(server, security, USERS["members@provider.example"]))
        async with service_client(create_app(settings)) as client:
            studio = await signup(client)
            assert (await client.post("/auth/password-reset", json={"email": studio.admin_email})).status_code == 202

            async def recorded() -> list[tuple[object, ...]]:
                rows = await db_fetch(url, "SELECT status, attempts, last_error FROM mail_outbox")
                return [tuple(row) for row in rows if row["status"] in ("sent", "failed")]

            assert await eventually(recorded, timeout_s=20) == [("sent", 1, None)]
            [mail] = server.received.to(studio.admin_email)
            assert token_from(mail)
            assert ("PLAIN", "members@provider.example") in server.received.logins
    finally:
        server.stop()


async def test_a_wrong_smtp_password_leaves_the_mail_pending_with_the_providers_answer(
    new_database, members_settings, tmp_path
):
    server = SmtpServer(tmp_path, security="starttls", users=USERS).start()
    try:
        url = await new_database(MIGRATIONS, prefix="members")
        settings = members_settings(url, **provider_settings(server, "starttls", "not-the-password"))
        async with service_client(create_app(settings)) as client:
            studio = await signup(client)
            assert (await client.post("/auth/password-reset", json={"email": studio.admin_email})).status_code == 202

            async def tried() -> list[object]:
                rows = await db_fetch(url, "SELECT * FROM mail_outbox")
                return [row for row in rows if row["attempts"] >= 1 and row["status"] != "sending"]

            [row] = await eventually(tried, timeout_s=20)  # type: ignore[misc]
            assert row["status"] == "pending"
            assert "refused the login of 'members@provider.example'" in row["last_error"]
            assert "535" in row["last_error"]
            await asyncio.sleep(0.3)
            assert server.received.messages == []
    finally:
        server.stop()
