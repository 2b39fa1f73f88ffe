"""The idempotency key table, one shape for every service whose POSTs take an `Idempotency-Key` (each such
service's own migration creates it in its database, like the delivery tables)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from gymloop_kit.db import make_metadata

# Separate from any service's models; a service database whose routes are idempotent holds this table too.
metadata = make_metadata()

# One row per key a caller of a studio used: the request's fingerprint and, once the work is done, the answer.
# No answer yet: the work is in progress (only for routes that run their own transactions, see `claim`).
idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("studio_id", UUID(as_uuid=True), primary_key=True),
    Column("caller_id", UUID(as_uuid=True), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("status_code", Integer),
    Column("body", Text),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_idempotency_key_created_at", "created_at"),
)
