"""Waitlist entries of a full session, promoted first come, first served."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from gymloop_bookings.domain.actors import Actor


class WaitlistStatus(enum.StrEnum):
    WAITING = "waiting"
    PROMOTED = "promoted"
    SKIPPED = "skipped"  # could not pay (or overlapped) when a place freed up; kept for the record
    LEFT = "left"  # the member took themselves off the list
    CLOSED = "closed"  # the session was cancelled or took place


@dataclass(slots=True)
class WaitlistEntry:
    entry_id: uuid.UUID
    session_id: uuid.UUID
    member_id: uuid.UUID
    joined_at: datetime
    position: int  # tie-breaker for equal join times: FIFO by (joined_at, position)
    added_by: Actor
    status: WaitlistStatus = WaitlistStatus.WAITING
    skip_code: str | None = None
    skip_reason: str | None = None
    booking_id: uuid.UUID | None = None
    decided_at: datetime | None = None

    @property
    def is_waiting(self) -> bool:
        return self.status is WaitlistStatus.WAITING
