"""Where one row of a running import stands: which services answered, and whether it is done or failed.

Members answers every row (the person created, updated, or refused); billing answers the rows with a
subscription (activated or refused). The first answer of a service wins: a redelivered or late answer
changes nothing. A members refusal settles the row at once (billing cannot subscribe a person who does not
exist); a billing refusal fails the row only once members has answered too, so the log and the completion
counts say what happened to the person as well.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class RowStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class MemberOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"


class RefusedBy(StrEnum):
    MEMBERS = "members"
    BILLING = "billing"


@dataclass(frozen=True)
class RowRejection:
    """A service's refusal of its part of a row, with its reason as the service phrased it."""

    refused_by: RefusedBy
    code: str
    field: str | None
    message: str


@dataclass(frozen=True)
class RowProgress:
    wants_subscription: bool
    member_outcome: MemberOutcome | None = None
    subscription_activated: bool = False
    member_rejection: RowRejection | None = None
    subscription_rejection: RowRejection | None = None

    @property
    def status(self) -> RowStatus:
        if self.member_rejection is not None:
            return RowStatus.FAILED
        if self.member_outcome is None:
            return RowStatus.PENDING
        if not self.wants_subscription or self.subscription_activated:
            return RowStatus.DONE
        if self.subscription_rejection is not None:
            return RowStatus.FAILED
        return RowStatus.PENDING

    @property
    def is_settled(self) -> bool:
        return self.status is not RowStatus.PENDING

    @property
    def rejection(self) -> RowRejection | None:
        """Why the row failed (None unless it did)."""
        if self.status is not RowStatus.FAILED:
            return None
        return self.member_rejection or self.subscription_rejection

    def member_confirmed(self, outcome: MemberOutcome) -> RowProgress:
        if self.member_rejection is not None:
            return self
        if self.member_outcome is None or outcome is MemberOutcome.CREATED:
            # Registered and Updated travel on different topics and may arrive in either order: a
            # registration means the import created the person, whichever event came first.
            return replace(self, member_outcome=outcome)
        return self

    def subscription_confirmed(self) -> RowProgress:
        if not self.wants_subscription or self.member_rejection is not None or self.subscription_rejection:
            return self
        return replace(self, subscription_activated=True)

    def rejected(self, rejection: RowRejection) -> RowProgress:
        if self.is_settled:
            return self  # after the row's outcome is known (and the job perhaps completed) nothing changes
        if rejection.refused_by is RefusedBy.MEMBERS:
            if self.member_outcome is not None:
                return self
            return replace(self, member_rejection=rejection)
        if not self.wants_subscription or self.subscription_activated or self.subscription_rejection is not None:
            return self
        return replace(self, subscription_rejection=rejection)
