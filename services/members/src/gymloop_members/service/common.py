"""Small helpers shared by the use cases."""

from __future__ import annotations

from datetime import UTC, datetime

from gymloop_kit.db import lock_key as lock_key  # the use cases' one import for it


def utcnow() -> datetime:
    return datetime.now(UTC)
