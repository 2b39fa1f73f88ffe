"""Member messages by e-mail through the kit's mail outbox (gymloop_kit.mail): one mail per e-mail delivery,
queued with the message; the kit's sender sends them outside any transaction and reports each result, which
becomes the delivery's status (sent, or failed with the reason) while staff watch the message."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from gymloop_kit.db import table_of
from gymloop_kit.mail import MailResult, MailStatus, OutgoingMail, mail_sender_job, queue_mails
from sqlalchemy import Boolean, and_, bindparam, case, func, update
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.db.models import MessageDelivery

deliveries = table_of(MessageDelivery)
DELIVERY_STATUS = {MailStatus.SENT: "sent", MailStatus.FAILED: "failed", MailStatus.PENDING: "pending"}


def delivery_reference(message_id: uuid.UUID, member_id: uuid.UUID) -> str:
    return f"{message_id}/{member_id}"


async def queue_message_emails(
    session: AsyncSession,
    *,
    message_id: uuid.UUID,
    studio_id: uuid.UUID,
    subject: str,
    body: str,
    recipients: Iterable[tuple[uuid.UUID, str]],
) -> None:
    """Queue the e-mails of one message, (member_id, address) each, in the transaction that stores it."""
    await queue_mails(
        session,
        [
            OutgoingMail(
                to=address,
                subject=subject,
                body=body,
                headers={"X-Gymloop-Message": str(message_id)},
                studio_id=studio_id,
                reference=delivery_reference(message_id, member_id),
            )
            for member_id, address in recipients
        ],
    )


async def record_email_results(session: AsyncSession, results: Sequence[MailResult]) -> None:
    """The kit's sender calls this in the transaction that records its results."""
    rows = []
    for result in results:
        message_id, _, member_id = (result.reference or "").partition("/")
        if not member_id:
            continue  # not a message delivery's mail
        rows.append(
            {
                "ref_message_id": uuid.UUID(message_id),
                "ref_member_id": uuid.UUID(member_id),
                "new_status": DELIVERY_STATUS[result.status],
                "new_attempts": result.attempts,
                "error": result.error,
                "sent": result.status is MailStatus.SENT,
            }
        )
    if not rows:
        return
    await session.execute(
        update(deliveries)
        .where(
            and_(
                deliveries.c.message_id == bindparam("ref_message_id"),
                deliveries.c.member_id == bindparam("ref_member_id"),
                deliveries.c.channel == "email",
            )
        )
        .values(
            status=bindparam("new_status"),
            attempts=bindparam("new_attempts"),
            last_error=bindparam("error"),
            delivered_at=case((bindparam("sent", type_=Boolean), func.now()), else_=deliveries.c.delivered_at),
        ),
        rows,
    )


# The service's background job that drains the mail outbox.
email_sender_job = mail_sender_job(on_settled=record_email_results)
