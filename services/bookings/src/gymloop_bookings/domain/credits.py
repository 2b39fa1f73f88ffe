"""Credit buckets of one pack: every granted credit is in exactly one bucket.

Conservation: left + held + forfeited + attended + expired == granted. Each move takes a credit out of
one bucket and puts it in another, so the invariant holds by construction and is cheap to check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class CreditBuckets:
    granted: int = 0
    left: int = 0
    held: int = 0  # charged at sign-up, for bookings that have not yet taken place
    forfeited: int = 0  # late cancels
    attended: int = 0  # consumed by a session that took place
    expired: int = 0  # unused when the pack ran out or the subscription ended

    @property
    def is_conserved(self) -> bool:
        total = self.left + self.held + self.forfeited + self.attended + self.expired
        non_negative = min(self.left, self.held, self.forfeited, self.attended, self.expired) >= 0
        return non_negative and total == self.granted

    def grant(self, count: int) -> CreditBuckets:
        return replace(self, granted=self.granted + count, left=self.left + count)

    def revoke(self, count: int) -> CreditBuckets:
        """Billing lowered the total (a correction): only unused credits can be taken back."""
        taken = min(count, self.left)
        return replace(self, granted=self.granted - taken, left=self.left - taken)

    def hold(self) -> CreditBuckets:
        self._require(self.left, "left")
        return replace(self, left=self.left - 1, held=self.held + 1)

    def release(self) -> CreditBuckets:
        self._require(self.held, "held")
        return replace(self, held=self.held - 1, left=self.left + 1)

    def forfeit(self) -> CreditBuckets:
        self._require(self.held, "held")
        return replace(self, held=self.held - 1, forfeited=self.forfeited + 1)

    def consume(self) -> CreditBuckets:
        self._require(self.held, "held")
        return replace(self, held=self.held - 1, attended=self.attended + 1)

    def expire_left(self) -> CreditBuckets:
        return replace(self, left=0, expired=self.expired + self.left)

    @staticmethod
    def _require(amount: int, bucket: str) -> None:
        # A programming error, not a user error: the callers check before moving.
        if amount < 1:
            raise AssertionError(f"no credit in bucket {bucket!r} to move")
