"""E-mail deliveries follow the kit's mail outbox: a message whose subject cannot be an e-mail header fails
alone, with the reason in its delivery status, and never holds up the e-mails of other messages."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from gymloop_devstack.testing import eventually
from gymloop_kit.db import Database
from gymloop_notifications.db.models import Member
from gymloop_notifications.domain.messages import MemberMessage
from gymloop_notifications.service import messages as message_cases
from sqlalchemy import insert, text

pytestmark = pytest.mark.integration


async def _seed(database_url: str, studio: uuid.UUID, count: int) -> None:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await session.execute(
                insert(Member),
                [
                    {
                        "studio_id": studio,
                        "member_id": uuid.uuid4(),
                        "display_name": f"Member {i}",
                        "email": f"reader{i}@example.com",
                        "start_date": date(2025, 1, 1),
                    }
                    for i in range(count)
                ],
            )
    finally:
        await database.dispose()


async def test_a_subject_that_cannot_be_a_header_fails_only_its_own_emails(
    service, tokens, smtp_sink, monkeypatch
) -> None:
    # The API refuses such subjects now; messages stored before it did are still in outboxes. This one is stored
    # as they were: with the subject taken as sent.
    monkeypatch.setattr(
        message_cases, "compose_message", lambda channel, subject, body: MemberMessage(channel, subject, body)
    )
    studio = uuid.uuid4()
    await _seed(service.database_url, studio, 3)
    staff = tokens.headers(studio_id=studio, role="employee")

    async def post(subject: str) -> str:
        body = {"subject": subject, "body": "See you", "channels": ["email"], "audience": {"type": "all"}}
        response = await service.post("/messages", headers=staff, json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["message_id"])

    # An e-mail header may not hold a line separator (U+2028).
    broken = await post("Closed today\u2028Bcc: everyone@example.com")
    fine = await post("Open again tomorrow")

    async def settled(message_id: str) -> dict:
        status = (await service.get(f"/messages/{message_id}", headers=staff)).json()
        return status if "pending" not in status["counts"]["email"] else {}

    broken_status = await eventually(lambda: settled(broken), timeout_s=30)
    fine_status = await eventually(lambda: settled(fine), timeout_s=30)

    assert broken_status["counts"]["email"] == {"failed": 3}
    for delivery in broken_status["deliveries"]:
        assert delivery["attempts"] == 1
        assert delivery["last_error"].startswith("invalid e-mail: Subject header ")
        assert "linefeed or carriage return" in delivery["last_error"]
    assert fine_status["counts"]["email"] == {"sent": 3}
    assert all(d["delivered_at"] for d in fine_status["deliveries"])
    assert sorted(m["To"] for m in smtp_sink.messages) == [f"reader{i}@example.com" for i in range(3)]
    assert {m["Subject"] for m in smtp_sink.messages} == {"Open again tomorrow"}
    assert {m["X-Gymloop-Message"] for m in smtp_sink.messages} == {fine}

    # failed is final: made due again, the broken mails are not tried again
    database = Database(service.database_url)
    try:
        async with database.transaction() as session:
            await session.execute(text("UPDATE mail_outbox SET available_at = now()"))
            statuses = (await session.execute(text("SELECT status, count(*) FROM mail_outbox GROUP BY 1"))).all()
    finally:
        await database.dispose()
    assert dict(statuses) == {"failed": 3, "sent": 3}
