""" "A member may only touch their own data": one check with one answer for every service."""

from __future__ import annotations

import uuid

from gymloop_kit.auth import Principal
from gymloop_kit.errors import NotFound


def ensure_own_member(principal: Principal, member_id: uuid.UUID) -> uuid.UUID:
    """`member_id` when the caller may reach that member's data: staff any member of their studio, a member only
    themself. Another member's data does not exist for a member: 404 member_not_found, the same answer as for a
    member id nobody has, so a member cannot learn which ids are real."""
    if not principal.is_staff and principal.member_id != member_id:
        raise NotFound(f"member {member_id} not found", code="member_not_found")
    return member_id
