"""The SQL of idempotency keys: claim a key for a request, keep its answer, release it, purge expired keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.db import Database, rows_affected
from gymloop_kit.logging import get_logger

log = get_logger(__name__)

BATCH = 10_000


@dataclass(frozen=True)
class KeyOwner:
    """Whose key it is: the same key of another caller or studio is another key."""

    studio_id: uuid.UUID
    caller_id: uuid.UUID
    key: str

    def params(self) -> dict[str, object]:
        return {"studio_id": self.studio_id, "caller_id": self.caller_id, "key": self.key}


@dataclass(frozen=True)
class StoredKey:
    fingerprint: str
    status_code: int | None  # None: the first request is still at work
    body: str | None


# An expired key that is not purged yet is taken over as new. A key another open transaction has just claimed
# makes this statement wait until that transaction ends: then it is either gone (rolled back: claimed here) or
# committed (nothing returned here, and the stored row is read by the next statement).
_CLAIM = text(
    """
    INSERT INTO idempotency_key (studio_id, caller_id, key, fingerprint)
    VALUES (:studio_id, :caller_id, :key, :fingerprint)
    ON CONFLICT (studio_id, caller_id, key) DO UPDATE
        SET fingerprint = excluded.fingerprint, status_code = NULL, body = NULL, created_at = now()
        WHERE idempotency_key.created_at < now() - make_interval(secs => :ttl)
    RETURNING 1
    """
)
_STORED = text(
    "SELECT fingerprint, status_code, body FROM idempotency_key"
    " WHERE studio_id = :studio_id AND caller_id = :caller_id AND key = :key"
)
_ANSWER = text(
    "UPDATE idempotency_key SET status_code = :status_code, body = :body"
    " WHERE studio_id = :studio_id AND caller_id = :caller_id AND key = :key"
)
_RELEASE = text(
    "DELETE FROM idempotency_key WHERE studio_id = :studio_id AND caller_id = :caller_id AND key = :key"
    " AND status_code IS NULL"
)
_PURGE = text(
    """
    DELETE FROM idempotency_key WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM idempotency_key WHERE created_at < now() - make_interval(secs => :ttl) LIMIT :batch
    ))
    """
)


async def claim(session: AsyncSession, owner: KeyOwner, fingerprint: str, *, ttl_s: float) -> StoredKey | None:
    """Claim the key for this request (None: claimed, do the work) or the row an earlier request left."""
    params = {**owner.params(), "fingerprint": fingerprint, "ttl": ttl_s}
    if (await session.execute(_CLAIM, params)).first() is not None:
        return None
    row = (await session.execute(_STORED, owner.params())).one()
    return StoredKey(fingerprint=row.fingerprint, status_code=row.status_code, body=row.body)


async def keep_answer(session: AsyncSession, owner: KeyOwner, status_code: int, body: str) -> None:
    await session.execute(_ANSWER, {**owner.params(), "status_code": status_code, "body": body})


async def release(session: AsyncSession, owner: KeyOwner) -> None:
    """Forget a claim whose work failed, so a retry does the work again."""
    await session.execute(_RELEASE, owner.params())


async def purge_expired(database: Database, *, ttl_s: float, batch: int = BATCH) -> int:
    """Delete the keys older than `ttl_s`, in batches of `batch` rows (one short transaction each)."""
    total = 0
    while True:
        async with database.transaction() as session:
            deleted = rows_affected(await session.execute(_PURGE, {"ttl": ttl_s, "batch": batch}))
        total += deleted
        if deleted < batch:
            break
    if total:
        log.info("idempotency_keys_purged", count=total)
    return total
