"""Shared API helpers."""

from __future__ import annotations

import uuid

from gymloop_kit.auth import Principal
from gymloop_kit.errors import NotFound


def ensure_own_member(principal: Principal, member_id: uuid.UUID) -> None:
    """Staff may see any member of their studio; a member only themself (others: 404, not revealed)."""
    if not principal.is_staff and principal.member_id != member_id:
        raise NotFound()
