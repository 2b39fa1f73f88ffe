"""Who made a change: recorded on every booking and user-log entry."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Literal

# Who made a change as the user log tells it: the member themself, the studio's staff, or an automatic change.
ActorKind = Literal["member", "staff", "system"]


class ActorRole(enum.StrEnum):
    MEMBER = "member"
    EMPLOYEE = "employee"
    ADMIN = "admin"
    # Automatic changes: waitlist promotion, expiry, billing facts.
    SYSTEM = "system"

    @property
    def kind(self) -> ActorKind:
        if self is ActorRole.MEMBER:
            return "member"
        return "system" if self is ActorRole.SYSTEM else "staff"


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
