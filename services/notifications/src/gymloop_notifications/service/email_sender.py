"""E-mail delivery over SMTP: claims pending deliveries, sends, records the status per recipient.

Claiming with FOR UPDATE SKIP LOCKED lets several replicas share the work; a failed send is retried
with backoff and marked failed after `email_max_attempts`. A crash between sending and recording may
send one e-mail twice (SMTP has no idempotency key); the window is one message.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
from gymloop_kit.app import ServiceRuntime
from gymloop_kit.logging import get_logger
from gymloop_kit.periodic import run_periodically
from sqlalchemy import select

from gymloop_notifications.db.models import Message, MessageDelivery
from gymloop_notifications.settings import NotificationsSettings

log = get_logger(__name__)


def _email(sender: str, to: str, subject: str, body: str, message_id: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to
    email["Subject"] = subject
    email["X-Gymloop-Message"] = message_id
    email.set_content(body)
    return email


async def send_pending_emails(runtime: ServiceRuntime, settings: NotificationsSettings) -> int:
    """One batch; returns how many deliveries it handled."""
    now = datetime.now(UTC)
    async with runtime.database.transaction() as session:
        rows = (
            await session.execute(
                select(MessageDelivery, Message)
                .join(Message, Message.message_id == MessageDelivery.message_id)
                .where(
                    MessageDelivery.status == "pending",
                    MessageDelivery.channel == "email",
                    MessageDelivery.available_at <= now,
                )
                .order_by(MessageDelivery.available_at)
                .limit(settings.email_batch_size)
                .with_for_update(of=MessageDelivery, skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        smtp = aiosmtplib.SMTP(hostname=settings.smtp_host, port=settings.smtp_port, timeout=settings.smtp_timeout_s)
        try:
            await smtp.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            for delivery, _ in rows:
                _failed(delivery, error, settings, now)
            log.warning("smtp_unavailable", error=repr(error))
            return len(rows)
        try:
            for delivery, message in rows:
                try:
                    await smtp.send_message(
                        _email(
                            settings.smtp_sender,
                            delivery.email or "",
                            message.subject,
                            message.body,
                            str(message.message_id),
                        )
                    )
                    delivery.status = "sent"
                    delivery.delivered_at = datetime.now(UTC)
                    delivery.attempts += 1
                except (aiosmtplib.SMTPException, OSError) as error:
                    _failed(delivery, error, settings, now)
        finally:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                pass
        return len(rows)


def _failed(delivery: MessageDelivery, error: BaseException, settings: NotificationsSettings, now: datetime) -> None:
    delivery.attempts += 1
    delivery.last_error = repr(error)[:1000]
    if delivery.attempts >= settings.email_max_attempts:
        delivery.status = "failed"
    else:
        delivery.available_at = now + timedelta(seconds=min(300, 2**delivery.attempts))


async def email_sender_job(runtime: ServiceRuntime) -> None:
    """Background job: send pending e-mails back to back, then poll every `email_poll_interval_s`."""
    settings = runtime.settings
    if not isinstance(settings, NotificationsSettings):
        settings = NotificationsSettings(**settings.model_dump())

    async def send_batch() -> int:
        return await send_pending_emails(runtime, settings)

    await run_periodically("email_sender", send_batch, interval_s=settings.email_poll_interval_s, drain=True)
