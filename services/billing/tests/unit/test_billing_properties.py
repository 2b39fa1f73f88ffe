from __future__ import annotations

from datetime import date

import pytest
from gymloop_billing.domain.collection_dates import is_target_business_day, next_collection_date
from gymloop_billing.domain.creditor_id import creditor_id_checksum_ok
from gymloop_billing.domain.epc_text import is_epc_text, to_epc_text
from gymloop_billing.domain.errors import DomainError
from gymloop_kit.studio_clock import add_months
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.unit

FAST = settings(max_examples=60, deadline=None, database=None)  # no .hypothesis dir in the repo


def with_check_digits(country: str, business_code: str, national_id: str) -> str:
    digits = "".join(str(int(char, 36)) for char in national_id + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{business_code}{national_id}"


@FAST
@given(
    country=st.sampled_from(["NL", "DE", "BE", "FR", "AT"]),
    business_code=st.text(alphabet="ABCXYZ0123456789", min_size=3, max_size=3),
    # digits only: mod 97-10 guarantees to catch a changed digit, not a letter turned into a digit
    national_id=st.text(alphabet="0123456789", min_size=5, max_size=20),
    position=st.integers(min_value=7, max_value=26),
)
def test_creditor_id_checksum_detects_any_single_digit_change(
    country: str, business_code: str, national_id: str, position: int
) -> None:
    valid = with_check_digits(country, business_code, national_id)
    assert creditor_id_checksum_ok(valid)
    index = min(position, len(valid) - 1)
    original = valid[index]
    replacement = "1" if original != "1" else "2"
    assert not creditor_id_checksum_ok(valid[:index] + replacement + valid[index + 1 :])


@FAST
@given(st.text(max_size=90))
def test_epc_text_is_either_safe_or_rejected(value: str) -> None:
    code = None
    try:
        result = to_epc_text(value, field="name", max_length=70, truncate=True)
    except DomainError as error:
        code = error.code
    if code is not None:
        assert code in {"text_required", "text_not_epc"}
    else:
        assert is_epc_text(result.text)
        assert 0 < len(result.text) <= 70


@FAST
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(-36, 36))
def test_add_months_stays_in_target_month(day: date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


@FAST
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2060, 12, 31)))
def test_next_collection_date_is_the_first_open_day(day: date) -> None:
    result = next_collection_date(day)
    assert is_target_business_day(result)
    assert 0 <= (result - day).days <= 5
    assert all(not is_target_business_day(date.fromordinal(o)) for o in range(day.toordinal(), result.toordinal()))
