from __future__ import annotations

from datetime import date

import pytest
from gymloop_billing.domain.collection_dates import (
    earliest_collection_date,
    is_target_business_day,
    next_collection_date,
    validate_collection_date,
)
from gymloop_billing.domain.errors import DomainError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "day",
    [
        date(2027, 3, 29),  # Easter Monday 2027
        date(2027, 3, 26),  # Good Friday 2027
        date(2027, 1, 1),  # New Year
        date(2026, 5, 1),  # Labour Day (a Friday)
        date(2025, 12, 25),  # Christmas (Thursday)
        date(2025, 12, 26),  # Boxing Day (Friday)
        date(2027, 4, 3),  # Saturday
        date(2027, 4, 4),  # Sunday
    ],
)
def test_target_closing_days(day: date) -> None:
    assert not is_target_business_day(day)


@pytest.mark.parametrize("day", [date(2027, 3, 30), date(2027, 4, 1), date(2026, 12, 24), date(2026, 12, 31)])
def test_target_open_days(day: date) -> None:
    assert is_target_business_day(day)


def test_next_collection_date_skips_easter_weekend() -> None:
    assert next_collection_date(date(2027, 3, 26)) == date(2027, 3, 30)


def test_next_collection_date_skips_christmas_and_weekend() -> None:
    # 25 Dec 2026 is a Friday, 26/27 the weekend
    assert next_collection_date(date(2026, 12, 25)) == date(2026, 12, 28)


def test_next_collection_date_on_a_business_day_is_that_day() -> None:
    assert next_collection_date(date(2027, 4, 1)) == date(2027, 4, 1)


def test_next_collection_date_after_may_day_weekend() -> None:
    assert next_collection_date(date(2027, 5, 1)) == date(2027, 5, 3)  # 1 May 2027 is a Saturday


def test_today_is_refused_with_the_earliest_date_one_target_business_day_later() -> None:
    with pytest.raises(DomainError) as caught:
        validate_collection_date(date(2027, 4, 1), today=date(2027, 4, 1))  # a Thursday
    assert (caught.value.code, caught.value.field) == ("collection_date_too_early", "collection_date")
    assert "the earliest collection date is 2027-04-02" in caught.value.message
    assert validate_collection_date(date(2027, 4, 2), today=date(2027, 4, 1)) == date(2027, 4, 2)


def test_a_friday_before_a_target_holiday_collects_after_it() -> None:
    # Friday 28 April 2028; Monday 1 May is a TARGET holiday: the first business day after Friday is Tuesday
    assert earliest_collection_date(date(2028, 4, 28)) == date(2028, 5, 2)
    with pytest.raises(DomainError) as caught:
        validate_collection_date(date(2028, 5, 1), today=date(2028, 4, 28))
    assert caught.value.code == "collection_date_too_early"
    assert "2028-05-02" in caught.value.message
    # Thursday before Easter 2026: Good Friday and Easter Monday closed, then the weekend between
    assert earliest_collection_date(date(2026, 4, 2)) == date(2026, 4, 7)


def test_a_studio_lead_time_of_several_business_days() -> None:
    # Thursday 24 Dec 2026, three business days: 28, 29, 30 Dec (25 and 26 closed, then a weekend)
    assert earliest_collection_date(date(2026, 12, 24), lead_business_days=3) == date(2026, 12, 30)
    with pytest.raises(DomainError) as caught:
        validate_collection_date(date(2026, 12, 29), today=date(2026, 12, 24), lead_business_days=3)
    assert "3 TARGET business days" in caught.value.message
    assert "2026-12-30" in caught.value.message


def test_past_collection_date_rejected_with_suggestion() -> None:
    with pytest.raises(DomainError) as caught:
        validate_collection_date(date(2027, 3, 31), today=date(2027, 4, 1))
    assert caught.value.code == "collection_date_in_past"
    assert caught.value.field == "collection_date"
    assert "2027-04-02" in caught.value.message


def test_holiday_collection_date_rejected_with_reason_and_next_date() -> None:
    with pytest.raises(DomainError) as caught:
        validate_collection_date(date(2027, 3, 29), today=date(2027, 3, 1))
    assert caught.value.code == "collection_date_not_business_day"
    assert "Easter Monday" in caught.value.message
    assert "2027-03-30" in caught.value.message


def test_weekend_collection_date_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        validate_collection_date(date(2027, 4, 3), today=date(2027, 3, 1))
    assert "weekend" in caught.value.message
