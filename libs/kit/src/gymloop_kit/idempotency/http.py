"""The `Idempotency-Key` header of the POSTs that move money or credits: a retry gets the first answer.

The rules, the same on every such route:
- A key belongs to one caller (the token's account) in one studio; it is kept `idempotency_key_ttl_hours`
  (24 h by default) and then purged (`purge_idempotency_keys`). Without the header a request is as before.
- The first request with a key does the work; its 2xx answer (status and body) is kept with the key, and every
  later request with the key and the same fingerprint (method, path and body bytes) gets that answer back, with
  `Idempotent-Replayed: true`, and changes nothing. The same key with another fingerprint answers 422
  `idempotency_key_reused`. An error answer is not kept: the refused request changed nothing (its transaction
  rolled back), so a retry is decided afresh.
- Routes on the request's transaction (`IdempotentRequest.replay` / `.answer`): the key is claimed and the
  answer kept in that transaction, so an effect is never committed without its answer, nor an answer without
  its effect. A concurrent request with the same key waits on the claim until the first one commits, then gets
  its answer (or, when the first failed, does the work itself).
- Routes that run their own short transactions around a payment provider (`IdempotentRequest.held`): the key
  is claimed in a transaction of its own first and the answer kept in another after the work. A concurrent
  request with the same key meanwhile answers 409 `idempotency_key_in_progress`; a failed request releases
  the key. Should the process die between the work and its answer, the key answers 409 until it expires.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.app import ServiceRuntime, runtime_of
from gymloop_kit.auth import AnyUser
from gymloop_kit.db import Database
from gymloop_kit.errors import Conflict, FieldError, InvalidInput
from gymloop_kit.idempotency import store
from gymloop_kit.idempotency.store import KeyOwner, StoredKey
from gymloop_kit.periodic import run_periodically

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_HEADER_LOCATION = ("header", HEADER)


class IdempotencyKeyReused(InvalidInput):
    default_code = "idempotency_key_reused"

    def __init__(self) -> None:
        message = (
            "this Idempotency-Key was used for another request (another method, path or body): "
            "send a new key for a new request, or the first request's body to retry it"
        )
        super().__init__(message, field_errors=[FieldError(_HEADER_LOCATION, message, self.default_code)])


class IdempotencyKeyInProgress(Conflict):
    default_code = "idempotency_key_in_progress"

    def __init__(self) -> None:
        message = "the first request with this Idempotency-Key is still at work: retry in a moment"
        super().__init__(message, field_errors=[FieldError(_HEADER_LOCATION, message, self.default_code)])


def _json_response(status_code: int, body: str, *, replayed: bool = False) -> Response:
    headers = {REPLAYED_HEADER: "true"} if replayed else None
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


@dataclass(frozen=True)
class IdempotentRequest:
    """This request's key (None: no header) and fingerprint; see the module's rules."""

    owner: KeyOwner | None
    fingerprint: str
    ttl_s: float

    async def replay(self, session: AsyncSession) -> Response | None:
        """The first answer when this key was used before; None: claimed in `session`, do the work."""
        if self.owner is None:
            return None
        return self._replay_of(await store.claim(session, self.owner, self.fingerprint, ttl_s=self.ttl_s))

    async def answer(self, session: AsyncSession, out: BaseModel, *, status_code: int) -> Response:
        """The answer, kept with the key in `session` (the request's transaction) when there is one."""
        body = out.model_dump_json()
        if self.owner is not None:
            await store.keep_answer(session, self.owner, status_code, body)
        return _json_response(status_code, body)

    @asynccontextmanager
    async def held(self, database: Database) -> AsyncIterator[HeldKey]:
        """Claim the key in a transaction of its own, for work that runs its own transactions; released if the
        block raises."""
        replayed = None
        if self.owner is not None:
            async with database.transaction() as session:
                replayed = self._replay_of(await store.claim(session, self.owner, self.fingerprint, ttl_s=self.ttl_s))
        held = HeldKey(self.owner if replayed is None else None, database, replayed)
        try:
            yield held
        except BaseException:
            if held.owner is not None:
                async with database.transaction() as session:
                    await store.release(session, held.owner)
            raise

    def _replay_of(self, stored: StoredKey | None) -> Response | None:
        if stored is None:
            return None
        if stored.fingerprint != self.fingerprint:
            raise IdempotencyKeyReused()
        if stored.status_code is None or stored.body is None:
            raise IdempotencyKeyInProgress()
        return _json_response(stored.status_code, stored.body, replayed=True)


@dataclass(frozen=True)
class HeldKey:
    owner: KeyOwner | None  # None: no key, or the answer is a replay
    database: Database
    replayed: Response | None  # the first answer: return it and do nothing

    async def answer(self, out: BaseModel, *, status_code: int) -> Response:
        """The answer, kept with the key in a transaction of its own."""
        body = out.model_dump_json()
        if self.owner is not None:
            async with self.database.transaction() as session:
                await store.keep_answer(session, self.owner, status_code, body)
        return _json_response(status_code, body)


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed: no two requests hash alike by shifting
        digest.update(part)
    return digest.hexdigest()


async def idempotent_request(
    request: Request,
    principal: AnyUser,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            min_length=1,
            max_length=255,
            description=(
                "A key the client makes up (e.g. a UUID) to retry this request safely: a retry with the same key "
                "and body within the key's lifetime (24 h by default) gets the first answer and changes nothing; "
                "the same key with another body answers 422 idempotency_key_reused."
            ),
        ),
    ] = None,
) -> IdempotentRequest:
    settings = runtime_of(request).settings
    owner = None if key is None else KeyOwner(principal.studio_id, principal.account_id, key)
    return IdempotentRequest(
        owner=owner,
        fingerprint=fingerprint(request.method, request.url.path, await request.body()),
        ttl_s=settings.idempotency_key_ttl_hours * 3600,
    )


Idempotency = Annotated[IdempotentRequest, Depends(idempotent_request)]


async def purge_idempotency_keys(runtime: ServiceRuntime) -> None:
    """A service's background job: delete expired keys every `retention_interval_s`."""
    ttl_s = runtime.settings.idempotency_key_ttl_hours * 3600
    purge = functools.partial(store.purge_expired, runtime.database, ttl_s=ttl_s)
    await run_periodically("idempotency_key_purge", purge, interval_s=runtime.settings.retention_interval_s)
