"""Failed card/Stripe payments: when to retry, when the member becomes overdue, and booking.

Default policy: retry 3 days after the first failure, 5 days after the second and 7 days after
the third; a fourth failure makes the member overdue. Retries keep the member 'ok' so one
bounced card does not lock anyone out of class.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from gymloop_billing.domain.errors import DomainError


class PaymentState(enum.StrEnum):
    OK = "ok"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class RetryDecision:
    state: PaymentState
    retry_on: date | None  # None: no more automatic retries

    @property
    def gives_up(self) -> bool:
        return self.retry_on is None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    retry_after_days: tuple[int, ...] = (3, 5, 7)

    def __post_init__(self) -> None:
        for days in self.retry_after_days:
            if isinstance(days, bool) or not isinstance(days, int) or days < 1:
                raise DomainError(
                    code="retry_delay_invalid",
                    field="retry_after_days",
                    message=f"retry delays are whole days of 1 or more, got {days!r}",
                )

    def after_failure(self, failed_attempts: int, failed_on: date) -> RetryDecision:
        """Decide after the `failed_attempts`-th failed attempt (1 = the first charge failed)."""
        if isinstance(failed_attempts, bool) or not isinstance(failed_attempts, int) or failed_attempts < 1:
            raise DomainError(
                code="failed_attempts_invalid",
                field="failed_attempts",
                message="failed_attempts counts failures so far and starts at 1",
            )
        if failed_attempts > len(self.retry_after_days):
            return RetryDecision(state=PaymentState.OVERDUE, retry_on=None)
        delay = self.retry_after_days[failed_attempts - 1]
        return RetryDecision(state=PaymentState.OK, retry_on=failed_on + timedelta(days=delay))


def state_after_success() -> PaymentState:
    """Any successful payment clears the overdue state."""
    return PaymentState.OK


def may_book(state: PaymentState, overdue_members_may_book: bool) -> bool:
    """The studio decides whether overdue members may still book sessions."""
    return state is PaymentState.OK or overdue_members_may_book
