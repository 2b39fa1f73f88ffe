"""The membership user log: every change to a member's credits, who made it, why and what is left after."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from gymloop_bookings.domain.actors import Actor


class LogReason(enum.StrEnum):
    SIGNED_UP = "signed_up"
    SIGNED_UP_WHILE_OVERDUE = "signed_up_while_overdue"  # staff booked a member whose payments are overdue
    SIGNED_OUT = "signed_out"
    LATE_CANCEL_FORFEIT = "late_cancel_forfeit"
    PROMOTED = "promoted"
    SESSION_CANCELLED_REFUND = "session_cancelled_refund"
    GRANTED = "granted"
    RENEWED = "renewed"
    EXPIRED = "expired"
    ATTENDED = "attended"
    NO_SHOW = "no_show"  # on the list but never checked in (studios using check-in): the credit is used all the same


@dataclass(frozen=True, slots=True)
class UserLogEntry:
    studio_id: uuid.UUID
    member_id: uuid.UUID
    subscription_id: uuid.UUID
    at: datetime
    actor: Actor
    reason: LogReason
    change: int  # change of the available entries (-1 at sign-up, +1 at sign-out, 0 when nothing moves)
    available_after: int | None  # None for unlimited plans, which have no count
    session_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    note: str | None = None  # why staff made an exception (a booking while overdue)
