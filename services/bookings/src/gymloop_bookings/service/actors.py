"""Who is calling, as the domain sees it."""

from __future__ import annotations

import uuid

from gymloop_kit.auth import Principal, Role
from gymloop_kit.errors import Forbidden, InvalidInput
from gymloop_kit.ownership import ensure_own_member

from gymloop_bookings.domain.actors import Actor, ActorRole

_ROLES = {Role.member: ActorRole.MEMBER, Role.employee: ActorRole.EMPLOYEE, Role.admin: ActorRole.ADMIN}


def actor_of(principal: Principal) -> Actor:
    """Members act under their member id (so 'only yourself' is checkable); staff under their account id."""
    if principal.role is Role.member:
        if principal.member_id is None:
            raise Forbidden("this account has no member record in this studio", code="no_member_record")
        return Actor(principal.member_id, ActorRole.MEMBER)
    return Actor(principal.account_id, _ROLES[principal.role])


def member_in_question(principal: Principal, member_id: uuid.UUID | None) -> uuid.UUID:
    """The member a request is about: a member themself when none is named (another member is not found for
    them, the kit's one answer), staff must name one."""
    if member_id is None:
        if principal.is_staff:
            raise InvalidInput("name the member to act for", code="member_required", field="member_id")
        if principal.member_id is None:
            raise Forbidden("this account has no member record in this studio", code="no_member_record")
        return principal.member_id
    return ensure_own_member(principal, member_id)
