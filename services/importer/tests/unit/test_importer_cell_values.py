"""Cell value parsing: dates, Yes/No, tags, numbers shown as text."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from gymloop_importer.domain.cell_values import (
    CellProblem,
    cell_text,
    parse_date,
    parse_iban,
    parse_tags,
    parse_yes_no,
)
from hypothesis import given
from hypothesis import strategies as st

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2025, 3, 4, 0, 0), date(2025, 3, 4)),
        (date(2025, 3, 4), date(2025, 3, 4)),
        ("2025-03-04", date(2025, 3, 4)),
        ("04-03-2025", date(2025, 3, 4)),
        ("4-3-2025", date(2025, 3, 4)),
        ("  2025-03-04 ", date(2025, 3, 4)),
    ],
)
def test_dates_are_read_from_excel_dates_and_both_text_formats(value: object, expected: date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["03/04/2025", "2025-3", "March 4", "20250304", True, 45000.5])
def test_other_date_spellings_are_refused(value: object) -> None:
    with pytest.raises(CellProblem) as problem:
        parse_date(value)
    assert problem.value.code == "date_invalid"


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_any_date_written_as_iso_or_day_first_text_reads_back(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%d-%m-%Y")) == day


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Yes", True), ("yes ", True), ("NO", False), (None, None), ("", None), (True, True), (False, False)],
)
def test_yes_no_cells(value: object, expected: bool | None) -> None:
    assert parse_yes_no(value) is expected


def test_tags_are_trimmed_and_deduplicated_ignoring_case() -> None:
    assert parse_tags(" vip, Morning,, morning ,VIP, new ") == ("vip", "Morning", "new")


def test_numbers_show_as_the_user_typed_them() -> None:
    assert cell_text(612345678.0) == "612345678"
    assert cell_text(12.5) == "12.5"
    assert cell_text(datetime(2025, 1, 2)) == "2025-01-02"


def test_iban_is_normalized_to_compact_form() -> None:
    assert parse_iban(" nl91 ABNA 0417 1643 00 ") == "NL91ABNA0417164300"
