"""Idempotency keys for the POSTs that move money or credits: see `http` for the rules, `table` for the table
each such service's migration creates."""

from gymloop_kit.idempotency.http import (
    HEADER,
    REPLAYED_HEADER,
    HeldKey,
    Idempotency,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    IdempotentRequest,
    purge_idempotency_keys,
)
from gymloop_kit.idempotency.table import idempotency_key, metadata

__all__ = [
    "HEADER",
    "REPLAYED_HEADER",
    "HeldKey",
    "Idempotency",
    "IdempotencyKeyInProgress",
    "IdempotencyKeyReused",
    "IdempotentRequest",
    "idempotency_key",
    "metadata",
    "purge_idempotency_keys",
]
