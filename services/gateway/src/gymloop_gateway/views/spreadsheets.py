"""A table as CSV or XLSX, formula-safe (the kit's rule): a cell a spreadsheet program would run stays text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from gymloop_kit.formula_safe import csv_cell, starts_formula
from openpyxl import Workbook

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """Every cell quoted and formula-safe, CRLF line ends, with a BOM so Excel reads UTF-8 names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(cell_text(row.get(column))) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], title: str) -> bytes:
    """One sheet: a header row, numbers as numbers, ISO dates as dates, and any text as text (never a formula)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_xlsx_value(row.get(column)) for column in columns])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and starts_formula(cell.value):
                cell.data_type = "s"  # openpyxl would write a text starting with = as a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, list | tuple):
        return cell_text(value) or None
    if isinstance(value, int | float):
        return value
    text = str(value)
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return text
