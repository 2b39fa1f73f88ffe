"""Who made a change: recorded on every booking and user-log entry."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass


class ActorRole(enum.StrEnum):
    MEMBER = "member"
    EMPLOYEE = "employee"
    ADMIN = "admin"
    # Automatic changes: waitlist promotion, expiry, billing facts.
    SYSTEM = "system"


# The system actor has a fixed id so log entries of automatic changes are recognisable.
SYSTEM_ACTOR_ID = uuid.UUID(int=0)


@dataclass(frozen=True, slots=True)
class Actor:
    actor_id: uuid.UUID
    role: ActorRole

    @property
    def is_staff(self) -> bool:
        return self.role in (ActorRole.EMPLOYEE, ActorRole.ADMIN)

    @classmethod
    def system(cls) -> Actor:
        return cls(SYSTEM_ACTOR_ID, ActorRole.SYSTEM)

    @classmethod
    def member(cls, member_id: uuid.UUID) -> Actor:
        return cls(member_id, ActorRole.MEMBER)
