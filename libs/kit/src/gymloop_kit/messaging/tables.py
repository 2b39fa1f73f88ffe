"""The delivery tables every service database has (created by each service's first migration)."""

from __future__ import annotations

from sqlalchemy import DDL, BigInteger, Column, DateTime, Identity, Index, Integer, Table, Text, event, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID

from gymloop_kit.db import make_metadata

# Separate from any service's models; every service database holds these tables too.
metadata = make_metadata()

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("topic", Text, nullable=False),
    Column("partition_key", Text, nullable=False),
    Column("envelope", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("available_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("published_at", DateTime(timezone=True)),
    # The relay only ever scans unpublished rows: keep that index small.
    Index("ix_outbox_pending", "available_at", "id", postgresql_where=text("published_at IS NULL")),
)

# Every insert into the outbox wakes the relays (LISTEN gymloop_outbox) when its transaction commits. A trigger
# rather than a NOTIFY statement from the writer: one round trip less per transaction, and no writer can forget.
event.listen(
    outbox,
    "after_create",
    DDL(
        "CREATE OR REPLACE FUNCTION gymloop_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify('gymloop_outbox', ''); RETURN NULL; END $$"
    ),
)
event.listen(
    outbox,
    "after_create",
    DDL(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION gymloop_outbox_notify()"
    ),
)

outbox_sequence = Table(
    "outbox_sequence",
    metadata,
    Column("aggregate_type", Text, primary_key=True),
    Column("aggregate_id", Text, primary_key=True),
    Column("last_sequence", BigInteger, nullable=False),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", Text, primary_key=True),
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The retention purge deletes by age.
    Index("ix_inbox_received_at", "received_at"),
)

applied_sequence = Table(
    "applied_sequence",
    metadata,
    Column("consumer", Text, primary_key=True),
    Column("aggregate_type", Text, primary_key=True),
    Column("aggregate_id", Text, primary_key=True),
    Column("sequence", BigInteger, nullable=False),
    # When this consumer last accepted an event of the aggregate: rows idle past the inbox retention are purged.
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

DELIVERY_TABLES = (outbox, outbox_sequence, inbox, applied_sequence)
