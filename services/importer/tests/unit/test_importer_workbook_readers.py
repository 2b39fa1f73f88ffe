"""The two readers: calamine for workbooks of plain values, openpyxl for formulas and DTDs; same rows either way."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import openpyxl
import pytest
from gymloop_importer.domain import workbook_reader
from gymloop_importer.domain.import_context import ImportContext
from gymloop_importer.domain.template import build_template
from gymloop_importer.domain.validation import validate_sheet

pytestmark = pytest.mark.unit


def _readers_used(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    used: list[str] = []
    for name in ("_read_with_calamine", "_read_with_openpyxl"):
        original = getattr(workbook_reader, name)

        def spy(*args: Any, _original: Any = original, _name: str = name) -> Any:
            used.append(_name)
            return _original(*args)

        monkeypatch.setattr(workbook_reader, name, spy)
    return used


def _filled_template(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(build_template(["Gold", "Free trial"])))
    sheet = workbook["Members"]
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


MIXED_ROWS: list[list[object]] = [
    ["Jan", "Jansen", "Jan@Example.com", date(2025, 1, 1), "+31 6 12345678", "17-05-1990", "Street 1", None,
     "a, b, A", "Gold", datetime(2025, 2, 1), "NL91ABNA0417164300", "J. Jansen", "No"],
    ["Piet", "Pieters", "piet@example.com", "2025-03-01", 612345678, date(1980, 1, 2), None, None, None, None,
     None, None, None, True],
    [None] * 14,  # a blank row in between keeps the Excel numbering of the rows after it
    ["Zoë", "Müller", "zoe@example.com", datetime(2025, 4, 1, 0, 0), 31612345678.0, None, "Ünïcode 5", None,
     "x", "Free trial", "2025-04-01", "BE68539007547034", "Z. Müller", "Yes"],
    ["Bad", "Row", "not-an-address", "2025-02-30", "call me", time(8, 30), None, "boss@example.com", None,
     "Platinum", None, "NL91ABNA0417164301", None, "Maybe"],
]  # fmt: skip


def test_a_workbook_of_plain_values_is_read_by_calamine(monkeypatch: pytest.MonkeyPatch) -> None:
    used = _readers_used(monkeypatch)
    workbook_reader.read_member_sheet(_filled_template(MIXED_ROWS))
    assert used == ["_read_with_calamine"]


def test_a_formula_or_a_dtd_sends_the_workbook_to_openpyxl(
    monkeypatch: pytest.MonkeyPatch, xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]]
) -> None:
    used = _readers_used(monkeypatch)
    workbook_reader.read_member_sheet(xlsx([row(address="=1+1")]))
    assert used == ["_read_with_openpyxl"]


def test_both_readers_give_the_same_validation_outcome(context: ImportContext) -> None:
    data = _filled_template(MIXED_ROWS)
    by_calamine = workbook_reader._read_with_calamine(data, workbook_reader.DEFAULT_LIMITS)
    by_openpyxl = workbook_reader._read_with_openpyxl(data, workbook_reader.DEFAULT_LIMITS)

    assert [row.number for row in by_calamine.rows] == [row.number for row in by_openpyxl.rows] == [2, 3, 5, 6]
    assert by_calamine.headers == by_openpyxl.headers
    calamine_outcome = validate_sheet(by_calamine, context)
    openpyxl_outcome = validate_sheet(by_openpyxl, context)
    assert calamine_outcome.issues == openpyxl_outcome.issues
    assert len(calamine_outcome.issues) >= 6  # the bad row's cells are all reported
    assert calamine_outcome.rows == openpyxl_outcome.rows
    assert [row.email for row in calamine_outcome.rows] == ["Jan@example.com", "piet@example.com", "zoe@example.com"]
