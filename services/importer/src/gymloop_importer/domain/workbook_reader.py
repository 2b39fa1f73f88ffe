"""Reading the member sheet of an uploaded workbook into raw rows, safely and without evaluating anything.

openpyxl is asked for formulas, not cached results (data_only=False), so a cell like '=HYPERLINK(...)'
arrives as its literal text. Parsing goes through defusedxml (openpyxl uses it when it is installed),
so XML entity tricks are refused instead of expanded.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from gymloop_importer.domain.cell_values import is_blank, plain_cell_value
from gymloop_importer.domain.errors import UploadRejected
from gymloop_importer.domain.safety import DEFAULT_LIMITS, UploadLimits, check_upload

MEMBER_SHEET_TITLE = "Members"


@dataclass(frozen=True)
class HeaderCell:
    index: int  # 0-based position in the row
    text: str

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)


@dataclass(frozen=True)
class RawRow:
    number: int  # the Excel row number the user sees
    values: tuple[object, ...]

    def value_at(self, index: int) -> object:
        return self.values[index] if index < len(self.values) else None


@dataclass(frozen=True)
class SheetContent:
    sheet_title: str
    header_row: int | None  # None when the sheet is completely blank
    headers: tuple[HeaderCell, ...]
    rows: tuple[RawRow, ...]  # non-blank rows below the header; blank rows (trailing or not) are left out


def _caused_by_unsafe_xml(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _unreadable(error: Exception) -> UploadRejected:
    if _caused_by_unsafe_xml(error):
        return UploadRejected(
            "unsafe_xml",
            "The workbook contains XML constructs that are refused for safety (entity declarations): "
            "save the template again from Excel and try again.",
        )
    return UploadRejected(
        "unreadable_xlsx",
        "The workbook could not be read: open it in Excel, save it as 'Excel Workbook (*.xlsx)' and try again.",
    )


def _is_blank_row(values: Iterable[object]) -> bool:
    return all(is_blank(value) for value in values)


def read_member_sheet(data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> SheetContent:
    """Check the upload, then read the member sheet. Raises UploadRejected for file-level problems."""
    check_upload(data, limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many types for broken files; all mean "cannot read"
        raise _unreadable(error) from error
    try:
        return _read_rows(workbook, limits)
    except UploadRejected:
        raise
    except Exception as error:  # read-only mode parses lazily, so broken sheet XML surfaces here
        raise _unreadable(error) from error
    finally:
        workbook.close()


def _read_rows(workbook: openpyxl.Workbook, limits: UploadLimits) -> SheetContent:
    names = workbook.sheetnames
    sheet = workbook[MEMBER_SHEET_TITLE if MEMBER_SHEET_TITLE in names else names[0]]
    # Files written by other tools often declare wrong dimensions; read what is really there.
    reset_dimensions = getattr(sheet, "reset_dimensions", None)
    if callable(reset_dimensions):
        reset_dimensions()

    header_row: int | None = None
    headers: tuple[HeaderCell, ...] = ()
    rows: list[RawRow] = []
    for number, raw_values in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = tuple(plain_cell_value(value) for value in raw_values)
        if _is_blank_row(values):
            continue
        if header_row is None:  # leading blank rows are skipped: the header is the first non-blank row
            header_row = number
            headers = tuple(
                HeaderCell(index, str(value).strip()) for index, value in enumerate(values) if not is_blank(value)
            )
            continue
        rows.append(RawRow(number, values))
        if len(rows) > limits.max_rows:
            raise UploadRejected(
                "too_many_rows",
                f"The file has more than {limits.max_rows:,} member rows: split it into files of at most "
                f"{limits.max_rows:,} rows and import them one after the other.",
            )
    return SheetContent(sheet.title, header_row, headers, tuple(rows))
