"""Roles in a studio and who may grant them."""

from __future__ import annotations

from typing import Literal, cast

from gymloop_members.domain.errors import DomainConflict, DomainError

RoleName = Literal["member", "employee", "admin"]
ROLES: tuple[RoleName, ...] = ("member", "employee", "admin")
STAFF_ROLES = frozenset({"employee", "admin"})


def parse_role(value: str, *, field: str = "role") -> RoleName:
    if value not in ROLES:
        raise DomainError(
            code="role_unknown", field=field, message=f"role {value!r} is unknown: use one of {', '.join(ROLES)}"
        )
    return cast(RoleName, value)


def is_staff(role: str) -> bool:
    return role in STAFF_ROLES


def check_keeps_an_admin(current_role: str, new_role: str, other_active_admins: int) -> None:
    """A studio never loses its last admin: somebody must be able to manage settings and roles."""
    if current_role == "admin" and new_role != "admin" and other_active_admins == 0:
        raise DomainConflict(
            code="last_admin",
            field="role",
            message="this is the studio's only admin: make someone else admin first",
        )
