"""Queueing e-mail: rows in the mail outbox, written in the transaction that decided to send them, so a mail
goes out exactly when that transaction commits (and never when it rolls back)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.mail.table import mail_outbox

CHUNK = 1000  # rows per INSERT: a message to a whole studio queues thousands


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body: str
    headers: Mapping[str, str] = field(default_factory=dict)  # extra headers, e.g. X-Gymloop-Message
    studio_id: uuid.UUID | None = None
    reference: str | None = None  # handed back to the service's `on_settled` hook

    def row(self) -> dict[str, object]:
        return {
            "to_address": self.to,
            "subject": self.subject,
            "body": self.body,
            "headers": dict(self.headers),
            "studio_id": self.studio_id,
            "reference": self.reference,
        }


async def queue_mails(session: AsyncSession, mails: Sequence[OutgoingMail]) -> None:
    """Queue mails in the caller's transaction; the mail sender job sends them after the commit."""
    rows = [mail.row() for mail in mails]
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(mail_outbox), rows[start : start + CHUNK])


async def queue_mail(session: AsyncSession, mail: OutgoingMail) -> None:
    await queue_mails(session, [mail])
