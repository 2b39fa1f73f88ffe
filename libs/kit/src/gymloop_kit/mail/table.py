"""The mail outbox table: one shape for every service that sends e-mail. Each service's migrations create it
with explicit DDL (written out there, frozen); this definition is what the code reads and writes, and what a
service lists in its own models (`define_mail_outbox(Base.metadata)`) so its schema shows the table."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from gymloop_kit.db import make_metadata


class MailStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) try at `available_at`
    SENDING = "sending"  # claimed by a sender until `available_at`; reclaimed if that sender died
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # given up: never sent again; `last_error` says why


def define_mail_outbox(metadata: MetaData) -> Table:
    return Table(
        "mail_outbox",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("studio_id", UUID(as_uuid=True)),
        Column("to_address", Text, nullable=False),
        Column("subject", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        # What the service wants to hear about when the mail is settled (e.g. its delivery row); opaque here.
        Column("reference", Text),
        Column("status", Text, nullable=False, server_default=text("'pending'")),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("available_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True)),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        # The sender only ever scans mails still to send: keep that index small.
        Index("ix_mail_outbox_due", "available_at", "id", postgresql_where=text("status IN ('pending', 'sending')")),
    )


# The kit's own copy, separate from any service's models like the delivery tables: what the sender uses.
metadata = make_metadata()
mail_outbox = define_mail_outbox(metadata)
