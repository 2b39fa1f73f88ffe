"""Password hashing with argon2 (pwdlib), run off the event loop: a hash takes tens of milliseconds of CPU."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from gymloop_members.settings import MembersSettings


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHash:
    return PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism),))


def hasher_for(settings: MembersSettings) -> PasswordHash:
    return _hasher(settings.argon2_time_cost, settings.argon2_memory_cost_kib, settings.argon2_parallelism)


async def hash_password(settings: MembersSettings, password: str) -> str:
    return await asyncio.to_thread(hasher_for(settings).hash, password)


async def verify_password(
    settings: MembersSettings, password: str, password_hash: str | None
) -> tuple[bool, str | None]:
    """(matches, new hash when the parameters changed). Without a stored hash the work is still done against a
    dummy, so an unknown e-mail takes as long to refuse as a wrong password."""
    hasher = hasher_for(settings)
    if password_hash is None:
        await asyncio.to_thread(hasher.verify, password, _dummy_hash(settings))
        return False, None
    return await asyncio.to_thread(hasher.verify_and_update, password, password_hash)


_dummy_hashes: dict[tuple[int, int, int], str] = {}


def _dummy_hash(settings: MembersSettings) -> str:
    key = (settings.argon2_time_cost, settings.argon2_memory_cost_kib, settings.argon2_parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher_for(settings).hash("not a password of anybody")
    return _dummy_hashes[key]
