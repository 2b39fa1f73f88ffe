"""Cells a spreadsheet program shows as text and never runs as a formula, for every CSV and XLSX a service writes.

Spreadsheet programs run a cell starting with = + - @ TAB or CR as a formula. A reader set to the other list
separator (`;` in Dutch and German Excel) splits a CSV's cells at every `;` or `,` inside them, so each such piece
(after any spaces or quotes) is a cell start too: each gets a `'`, which makes it text.
"""

from __future__ import annotations

import re

_FORMULA_START = re.compile(r"(^|[;,])(?=[\s\"]*[=+\-@\t\r])")
_XLSX_FORMULA_START = re.compile(r"^[\s\"]*[=+\-@\t\r]")


def csv_cell(value: str) -> str:
    """The CSV cell text: every piece that would start a formula is marked with `'`."""
    return _FORMULA_START.sub(lambda start: f"{start.group(1)}'", value)


def starts_formula(value: str) -> bool:
    """Whether a spreadsheet program would take this text, as one cell, for a formula (write it as text)."""
    return bool(_XLSX_FORMULA_START.match(value))
