"""Waitlist entries of a full session, promoted first come, first served."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
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
    # The place in line when the member joined (1 = first); it breaks ties of equal join times. The live place,
    # after others left or moved in, is place_in_line.
    position: int
    added_by: Actor
    status: WaitlistStatus = WaitlistStatus.WAITING
    skip_code: str | None = None
    skip_reason: str | None = None
    booking_id: uuid.UUID | None = None
    decided_at: datetime | None = None

    @property
    def is_waiting(self) -> bool:
        return self.status is WaitlistStatus.WAITING


def in_line(entries: Iterable[WaitlistEntry]) -> list[WaitlistEntry]:
    """The waiting entries, first come first served."""
    return sorted((e for e in entries if e.is_waiting), key=lambda e: (e.joined_at, e.position))


def place_in_line(entries: Iterable[WaitlistEntry], member_id: uuid.UUID) -> int | None:
    """The member's place among those still waiting (1 = next to move in), None if they are not waiting."""
    for place, entry in enumerate(in_line(entries), start=1):
        if entry.member_id == member_id:
            return place
    return None
