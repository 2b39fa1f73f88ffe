"""Account e-mails through a mail outbox: queued in the transaction that caused them, sent by a background
job after commit. A crash between commit and send loses nothing; a crash between send and mark resends once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.message import EmailMessage

import aiosmtplib
from gymloop_kit.app import ServiceRuntime
from gymloop_kit.db import Database
from gymloop_kit.logging import get_logger
from gymloop_kit.periodic import run_periodically
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import MailOutbox
from gymloop_members.service.common import utcnow
from gymloop_members.settings import MembersSettings

log = get_logger(__name__)


async def queue_mail(session: AsyncSession, *, to: str, subject: str, body: str, studio_id: uuid.UUID | None) -> None:
    session.add(MailOutbox(to_address=to, subject=subject, body=body, studio_id=studio_id, attempts=0))


def password_link(settings: MembersSettings, token: str, purpose: str) -> str:
    path = "set-password" if purpose == "set_password" else "reset-password"
    return f"{settings.public_base_url.rstrip('/')}/{path}?token={token}"


async def queue_password_mail(
    session: AsyncSession,
    settings: MembersSettings,
    *,
    to: str,
    token: str,
    purpose: str,
    studio_id: uuid.UUID | None,
    studio_name: str | None = None,
) -> None:
    link = password_link(settings, token, purpose)
    if purpose == "set_password":
        hours = settings.set_password_token_ttl_s // 3600
        subject = f"Choose your password for {studio_name or 'Gymloop'}"
        body = (
            f"Hello,\n\nYou have an account at {studio_name or 'Gymloop'} but no password yet.\n"
            f"Choose one with this link (valid {hours} hours, usable once):\n\n{link}\n\n"
            f"Token: {token}\n\nIf you did not try to log in, you can ignore this e-mail.\n"
        )
    else:
        minutes = settings.reset_token_ttl_s // 60
        subject = "Reset your Gymloop password"
        body = (
            f"Hello,\n\nSomebody asked to reset the password of this account.\n"
            f"Choose a new one with this link (valid {minutes} minutes, usable once):\n\n{link}\n\n"
            f"Token: {token}\n\nIf it was not you, ignore this e-mail: your password stays as it is.\n"
        )
    await queue_mail(session, to=to, subject=subject, body=body, studio_id=studio_id)


async def send_pending(database: Database, settings: MembersSettings, *, batch: int = 20) -> int:
    """Send what is due; rows are claimed with SKIP LOCKED so several processes can drain together."""
    sent = 0
    async with database.transaction() as session:
        rows = (
            await session.scalars(
                select(MailOutbox)
                .where(MailOutbox.sent_at.is_(None), MailOutbox.available_at <= utcnow())
                .order_by(MailOutbox.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for row in rows:
            message = EmailMessage()
            message["From"] = settings.smtp_sender
            message["To"] = row.to_address
            message["Subject"] = row.subject
            message.set_content(row.body)
            try:
                await aiosmtplib.send(
                    message, hostname=settings.smtp_host, port=settings.smtp_port, timeout=settings.smtp_timeout_s
                )
            except (aiosmtplib.SMTPException, OSError) as error:
                row.attempts += 1
                row.last_error = repr(error)[:2000]
                # Back off, and stop retrying a mail that keeps failing (it stays in the table for ops to see).
                delay = min(3600.0, 2.0**row.attempts)
                row.available_at = utcnow() + (
                    timedelta(seconds=delay) if row.attempts < settings.mail_max_attempts else timedelta(days=3650)
                )
                log.warning("mail_send_failed", mail_id=row.id, attempts=row.attempts, error=repr(error))
                continue
            row.sent_at = utcnow()
            sent += 1
    return sent


async def mail_sender(runtime: ServiceRuntime) -> None:
    """Background job: drain the mail outbox every `mail_poll_interval_s`."""
    settings = runtime.settings
    if not isinstance(settings, MembersSettings):
        settings = MembersSettings(**settings.model_dump())

    async def drain_once() -> int:
        return await send_pending(runtime.database, settings)

    await run_periodically("mail_sender", drain_once, interval_s=settings.mail_poll_interval_s, drain=True)
