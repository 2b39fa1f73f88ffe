"""In-process queueing per session, in front of the database row lock.

Correctness never depends on this: the session row's `SELECT ... FOR UPDATE` serialises writers across
processes. The gate only keeps a burst on one popular session (200 members at 07:00) from holding every
pooled connection while they wait for that row lock: requests queue here without a connection instead.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

_gates: weakref.WeakValueDictionary[uuid.UUID, asyncio.Lock] = weakref.WeakValueDictionary()
# Tests switch it off to show the database alone keeps the invariants.
ENABLED = True


@asynccontextmanager
async def session_gate(session_id: uuid.UUID) -> AsyncIterator[None]:
    if not ENABLED:
        yield
        return
    gate = _gates.get(session_id)
    if gate is None:
        gate = asyncio.Lock()
        _gates[session_id] = gate
    async with gate:
        yield
