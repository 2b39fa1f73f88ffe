"""Limits on the mails a public request can make a service send (password reset, first login): at most so many
of one kind per recipient and per client address in a window. Beyond a limit the caller sends nothing and
answers as it always does, so the limit tells nobody whether the address is known. The mails are counted in the
service's own database (table `mail_limit`, made by its migrations like the mail outbox), so the limits hold
across processes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, MetaData, Table, Text, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.db import lock_key, make_metadata
from gymloop_kit.throttle import WindowThrottle


def define_mail_limit(metadata: MetaData) -> Table:
    """One row per mail that was allowed: its kind, to whom, for which client address, when."""
    return Table(
        "mail_limit",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("kind", Text, nullable=False),
        Column("recipient", Text, nullable=False),
        Column("address", Text, nullable=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Index("ix_mail_limit_recipient", "kind", "recipient", "at"),
        Index("ix_mail_limit_address", "kind", "address", "at"),
    )


# The kit's own copy, which `allow_mail` reads and writes (a service lists the table in its models too).
mail_limit = define_mail_limit(make_metadata())


@dataclass(frozen=True)
class MailLimits:
    kind: str  # mails of one kind share the limits, e.g. "password" for reset and first-login links
    window: timedelta
    max_per_recipient: int
    max_per_address: int


async def allow_mail(session: AsyncSession, limits: MailLimits, *, recipient: str, address: str, now: datetime) -> bool:
    """Whether one more mail of `limits.kind` may go to `recipient` for a request from client `address`; when it
    may, it is counted in the caller's transaction. Both are locked until the transaction ends, so concurrent
    requests count each other."""
    await lock_key(session, f"mail-limit:{limits.kind}:recipient:{recipient}")
    await lock_key(session, f"mail-limit:{limits.kind}:address:{address}")
    since = now - limits.window

    async def sent(column: Column[str], value: str) -> list[datetime]:
        query = select(mail_limit.c.at).where(
            mail_limit.c.kind == limits.kind, column == value, mail_limit.c.at > since
        )
        return list(await session.scalars(query))

    throttle = WindowThrottle(
        window=limits.window, max_per_account=limits.max_per_recipient, max_per_ip=limits.max_per_address
    )
    wait = throttle.retry_after(
        account_failures=await sent(mail_limit.c.recipient, recipient),
        ip_failures=await sent(mail_limit.c.address, address),
        now=now,
    )
    if wait is not None:
        return False
    await session.execute(insert(mail_limit).values(kind=limits.kind, recipient=recipient, address=address, at=now))
    return True
