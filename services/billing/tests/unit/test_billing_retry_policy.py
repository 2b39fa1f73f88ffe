from __future__ import annotations

from datetime import date

import pytest
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.retry_policy import PaymentState, RetryPolicy, may_book, state_after_success

pytestmark = pytest.mark.unit

FAILED_ON = date(2027, 4, 1)


@pytest.mark.parametrize(
    ("attempt", "retry_on"),
    [(1, date(2027, 4, 4)), (2, date(2027, 4, 6)), (3, date(2027, 4, 8))],
)
def test_default_policy_retries_after_3_5_7_days(attempt: int, retry_on: date) -> None:
    decision = RetryPolicy().after_failure(attempt, FAILED_ON)
    assert decision.retry_on == retry_on
    assert decision.state is PaymentState.OK
    assert not decision.gives_up


def test_fourth_failure_makes_member_overdue() -> None:
    decision = RetryPolicy().after_failure(4, FAILED_ON)
    assert decision.state is PaymentState.OVERDUE
    assert decision.retry_on is None
    assert decision.gives_up


def test_custom_policy() -> None:
    policy = RetryPolicy(retry_after_days=(1,))
    assert policy.after_failure(1, FAILED_ON).retry_on == date(2027, 4, 2)
    assert policy.after_failure(2, FAILED_ON).state is PaymentState.OVERDUE


def test_no_retries_means_overdue_at_once() -> None:
    assert RetryPolicy(retry_after_days=()).after_failure(1, FAILED_ON).state is PaymentState.OVERDUE


@pytest.mark.parametrize("delays", [(0,), (3, -1), (True,)])
def test_invalid_policy_rejected(delays: tuple[int, ...]) -> None:
    with pytest.raises(DomainError) as caught:
        RetryPolicy(retry_after_days=delays)
    assert caught.value.field == "retry_after_days"


@pytest.mark.parametrize("attempt", [0, -1])
def test_invalid_attempt_rejected(attempt: int) -> None:
    with pytest.raises(DomainError) as caught:
        RetryPolicy().after_failure(attempt, FAILED_ON)
    assert caught.value.code == "failed_attempts_invalid"


def test_success_clears_overdue() -> None:
    assert state_after_success() is PaymentState.OK


@pytest.mark.parametrize(
    ("state", "setting", "allowed"),
    [
        (PaymentState.OK, False, True),
        (PaymentState.OK, True, True),
        (PaymentState.OVERDUE, False, False),
        (PaymentState.OVERDUE, True, True),
    ],
)
def test_may_book(state: PaymentState, setting: bool, allowed: bool) -> None:
    assert may_book(state, overdue_members_may_book=setting) is allowed
