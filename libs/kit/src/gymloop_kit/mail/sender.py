"""The mail sender: drains the mail outbox with no database transaction open while it talks to SMTP.

One batch is three steps. Claim: a short transaction marks due rows `sending` (FOR UPDATE SKIP LOCKED, so
replicas share the work) with a lease in `available_at`, and counts the attempt. Send: over one SMTP
connection, each mail on its own; a mail that cannot be built (a line break in a header, not one address)
or that the server refuses for good (5xx) fails alone, the rest go on. Record: a second short transaction
stores each result: sent; failed with the reason; or pending again with a back-off, until
`mail_max_attempts` tries make it failed. A mail is never sent again once it is sent or failed.

If the process dies between send and record, the lease runs out and the mail is sent again (SMTP has no
idempotency key; the Message-ID stays the same, so mail clients show it once). The sending step stops
before the lease ends, so two live senders never hold the same mail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Interval, Row, and_, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.db import Database
from gymloop_kit.logging import get_logger
from gymloop_kit.mail.message import InvalidMail, build_message
from gymloop_kit.mail.smtp import MailRefused, SmtpUnavailable, smtp_connection
from gymloop_kit.mail.table import MailStatus, mail_outbox
from gymloop_kit.periodic import run_periodically
from gymloop_kit.settings import MailSettings, ServiceSettings

if TYPE_CHECKING:
    from gymloop_kit.app import BackgroundJob, ServiceRuntime

log = get_logger(__name__)

# Still to send: pending, or claimed by a sender whose lease ran out.
DUE = and_(
    mail_outbox.c.status.in_([MailStatus.PENDING, MailStatus.SENDING]),
    mail_outbox.c.available_at <= func.now(),
)

ERROR_LIMIT = 2000  # characters of last_error kept


@dataclass(frozen=True)
class MailResult:
    """What became of one mail after a try: SENT, FAILED (for good) or PENDING (tried again later)."""

    mail_id: int
    reference: str | None
    status: MailStatus
    attempts: int
    error: str | None


# Called in the transaction that records results, e.g. to keep a service's own delivery status in step.
OnSettled = Callable[[AsyncSession, Sequence[MailResult]], Awaitable[None]]


@dataclass(frozen=True)
class _Try:
    """The outcome of one send, before the attempt count decides between PENDING and FAILED."""

    mail: Row[Any]
    error: str | None = None
    permanent: bool = False


class MailSender:
    def __init__(self, database: Database, settings: MailSettings, *, on_settled: OnSettled | None = None) -> None:
        self.database = database
        self.settings = settings
        self.on_settled = on_settled
        self._domain = parseaddr(settings.smtp_sender)[1].rpartition("@")[2] or "gymloop.invalid"

    @property
    def send_budget_s(self) -> float:
        """Longest a batch may spend on SMTP: each mail and the session set-up get one timeout each."""
        return self.settings.smtp_timeout_s * (self.settings.mail_batch_size + 3)

    async def send_due(self) -> int:
        """One batch: claim, send, record. Returns how many mails were handled (0 when SMTP is away, so the
        periodic loop waits for the next tick instead of hammering the server)."""
        claimed = await self._claim()
        if not claimed:
            return 0
        tries, reachable = await self._send(claimed)
        await self._record(tries)
        return len(claimed) if reachable else 0

    async def _claim(self) -> list[Row[Any]]:
        async with self.database.transaction() as session:
            await self._give_up_abandoned(session)
            ids = (
                select(mail_outbox.c.id)
                .where(DUE)
                .order_by(mail_outbox.c.available_at, mail_outbox.c.id)
                .limit(self.settings.mail_batch_size)
                .with_for_update(skip_locked=True)
            )
            lease = timedelta(seconds=2 * self.send_budget_s)
            claimed = (
                await session.execute(
                    update(mail_outbox)
                    .where(mail_outbox.c.id.in_(ids.scalar_subquery()))
                    .values(
                        status=MailStatus.SENDING,
                        attempts=mail_outbox.c.attempts + 1,
                        available_at=func.now() + lease,
                    )
                    .returning(*mail_outbox.c)
                )
            ).all()
        return sorted(claimed, key=lambda row: row.id)

    async def _give_up_abandoned(self, session: AsyncSession) -> None:
        """A lease that ran out on the last allowed try: that sender died mid-send, and no try is left."""
        tries = self.settings.mail_max_attempts
        abandoned = (
            await session.execute(
                update(mail_outbox)
                .where(DUE, mail_outbox.c.status == MailStatus.SENDING, mail_outbox.c.attempts >= tries)
                .values(status=MailStatus.FAILED, last_error=f"no result recorded for try {tries} (the sender stopped)")
                .returning(mail_outbox.c.id, mail_outbox.c.reference, mail_outbox.c.attempts, mail_outbox.c.last_error)
            )
        ).all()
        if abandoned and self.on_settled:
            results = [MailResult(r.id, r.reference, MailStatus.FAILED, r.attempts, r.last_error) for r in abandoned]
            await self.on_settled(session, results)

    def _message(self, mail: Row[Any]) -> EmailMessage:
        created = mail.created_at.astimezone(UTC)
        return build_message(
            sender=self.settings.smtp_sender,
            to=mail.to_address,
            subject=mail.subject,
            body=mail.body,
            headers=mail.headers or {},
            # The same on every try, so a mail sent twice (a crash before recording) shows once.
            message_id=f"<{self.settings.service_name}.{mail.id}.{created:%Y%m%d%H%M%S%f}@{self._domain}>",
            date=datetime.now(UTC),
        )

    async def _send(self, claimed: list[Row[Any]]) -> tuple[list[_Try], bool]:
        """Send outside any transaction; returns one _Try per claimed mail, and whether SMTP was reachable."""
        tries: dict[int, _Try] = {}
        ready: list[tuple[Row[Any], EmailMessage]] = []
        for mail in claimed:
            try:
                ready.append((mail, self._message(mail)))
            except InvalidMail as error:
                tries[mail.id] = _Try(mail, f"invalid e-mail: {error}", permanent=True)
        if not ready:
            return [tries[mail.id] for mail in claimed], True
        unsent_reason = ""
        reachable = True
        try:
            async with asyncio.timeout(self.send_budget_s), smtp_connection(self.settings) as smtp:
                for mail, message in ready:
                    try:
                        await smtp.send(message)
                    except MailRefused as error:
                        tries[mail.id] = _Try(mail, str(error), permanent=error.permanent)
                    else:
                        tries[mail.id] = _Try(mail)
        except SmtpUnavailable as error:
            unsent_reason, reachable = str(error), False
        except TimeoutError:
            unsent_reason = f"the batch took longer than {self.send_budget_s:g} s; the rest waits for a retry"
        for mail, _ in ready:
            tries.setdefault(mail.id, _Try(mail, unsent_reason or "not sent"))
        if unsent_reason:
            log.warning("mail_smtp_unavailable", error=unsent_reason, mails=len(ready))
        return [tries[mail.id] for mail in claimed], reachable

    def _result(self, attempt: _Try) -> MailResult:
        mail = attempt.mail
        if attempt.error is None:
            status = MailStatus.SENT
        elif attempt.permanent or mail.attempts >= self.settings.mail_max_attempts:
            status = MailStatus.FAILED
        else:
            status = MailStatus.PENDING
        error = attempt.error
        if error and status is MailStatus.FAILED and not attempt.permanent:
            error = f"gave up after {mail.attempts} tries; last: {error}"
        return MailResult(mail.id, mail.reference, status, mail.attempts, error[:ERROR_LIMIT] if error else None)

    def _retry_delay(self, attempts: int) -> timedelta:
        settings = self.settings
        return timedelta(seconds=min(settings.mail_retry_max_s, settings.mail_retry_base_s * 2 ** (attempts - 1)))

    async def _record(self, tries: list[_Try]) -> None:
        results = [self._result(attempt) for attempt in tries]
        rows = [
            {
                "mail_id": result.mail_id,
                "new_status": result.status.value,
                "error": result.error,
                "sent": result.status is MailStatus.SENT,
                "retry_in": self._retry_delay(result.attempts) if result.status is MailStatus.PENDING else timedelta(0),
            }
            for result in results
        ]
        # The database's clock, as for the lease: one clock decides when a mail is due.
        statement = (
            update(mail_outbox)
            .where(mail_outbox.c.id == bindparam("mail_id"), mail_outbox.c.status == MailStatus.SENDING)
            .values(
                status=bindparam("new_status"),
                last_error=bindparam("error"),
                sent_at=case((bindparam("sent", type_=Boolean), func.now()), else_=None),
                available_at=func.now() + bindparam("retry_in", type_=Interval),
            )
        )
        async with self.database.transaction() as session:
            await session.execute(statement, rows)
            if self.on_settled:
                await self.on_settled(session, results)
        sent = sum(1 for r in results if r.status is MailStatus.SENT)
        failed = [r.mail_id for r in results if r.status is MailStatus.FAILED]
        log.info("mail_batch", sent=sent, failed=len(failed), retrying=len(results) - sent - len(failed))
        for result in results:
            if result.status is MailStatus.FAILED:
                log.warning("mail_failed", mail_id=result.mail_id, attempts=result.attempts, error=result.error)


def mail_settings(settings: ServiceSettings) -> MailSettings:
    """The service's settings when they are MailSettings already; else the mail ones from the environment."""
    if isinstance(settings, MailSettings):
        return settings
    return MailSettings(**settings.model_dump())


def mail_sender_job(*, on_settled: OnSettled | None = None) -> BackgroundJob:
    """The background job a service lists in its ServiceSpec: drains the mail outbox every
    `mail_poll_interval_s`, back to back while there is mail to send."""

    async def mail_sender(runtime: ServiceRuntime) -> None:
        settings = mail_settings(runtime.settings)
        sender = MailSender(runtime.database, settings, on_settled=on_settled)
        await run_periodically("mail_sender", sender.send_due, interval_s=settings.mail_poll_interval_s, drain=True)

    return mail_sender
