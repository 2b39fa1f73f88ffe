"""Formula-safe spreadsheet cells: what a spreadsheet program would run is marked or written as text."""

from __future__ import annotations

import pytest
from gymloop_kit.formula_safe import csv_cell, starts_formula


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        (' "=x', "' \"=x"),
        ("Jansen; =HYPERLINK(1)", "Jansen;' =HYPERLINK(1)"),
        ("a,=b,c", "a,'=b,c"),
        ("Anna de Vries", "Anna de Vries"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_cell_marks_every_piece_that_would_start_a_formula(value: str, expected: str) -> None:
    assert csv_cell(value) == expected


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "  =x", '"=x'])
def test_starts_formula_sees_a_formula_at_the_cell_start(value: str) -> None:
    assert starts_formula(value)


@pytest.mark.parametrize("value", ["Anna", "a=b", "", "x;=y", "1-2"])
def test_starts_formula_leaves_plain_text(value: str) -> None:
    assert not starts_formula(value)
