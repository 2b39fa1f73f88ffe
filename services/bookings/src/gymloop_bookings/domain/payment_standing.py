"""Whether a member's payments let them book: billing says who is overdue and whether the studio still lets
overdue members book; staff may book an overdue member all the same, giving a reason for the user log."""

from __future__ import annotations

from dataclasses import dataclass

from gymloop_kit.errors import Conflict, InvalidInput

from gymloop_bookings.domain.actors import Actor

MAX_REASON_LENGTH = 500


@dataclass(frozen=True, slots=True)
class PaymentStanding:
    overdue: bool = False
    # billing's studio setting; False until billing said otherwise (its own default)
    overdue_members_may_book: bool = False

    @property
    def blocks_booking(self) -> bool:
        return self.overdue and not self.overdue_members_may_book


PAID_UP = PaymentStanding()


def staff_override(standing: PaymentStanding, actor: Actor, reason: str | None) -> str | None:
    """None when the member may book as usual; the staff's reason when staff book an overdue member anyway.
    A member who is overdue is refused with what to do; staff without a reason are asked for one."""
    if not standing.blocks_booking:
        return None
    if not actor.is_staff:
        raise Conflict(
            "your payments are overdue, so you cannot book: pay the open amount (at the desk or as the studio "
            "asks) and you can book again",
            code="payment_overdue",
            field="member_id",
        )
    if reason is None or not reason.strip():
        raise InvalidInput(
            "the member's payments are overdue: give a reason to book them all the same (it is kept in their user log)",
            code="overdue_reason_required",
            field="reason",
        )
    return reason.strip()
