"""What the notifications service knows about a member (its local read model, built from events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True, slots=True)
class MemberFacts:
    studio_id: UUID
    member_id: UUID
    display_name: str
    start_date: date
    birth_date: date | None = None
    responsible_employee_id: UUID | None = None
    archived: bool = False

    def is_active_on(self, today: date) -> bool:
        """Archived members and members who have not started yet get no notifications."""
        return not self.archived and self.start_date <= today
