"""Reading the member sheet of an uploaded workbook into raw rows, safely and without evaluating anything.

A workbook of plain values (no formula in any worksheet, no DOCTYPE in any XML part: what Excel, LibreOffice
and the template write) is read with python-calamine, a Rust reader about ten times faster than openpyxl.
Anything else goes to openpyxl, asked for formulas rather than cached results (data_only=False), so a cell
like '=HYPERLINK(...)' arrives as its literal text (calamine would give only the cached result); its parsing
goes through defusedxml (openpyxl uses it when it is installed), so XML entity tricks are refused instead of
expanded.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import openpyxl
import python_calamine
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


# A formula cell (<f> or <x:f>, not <formula1> of a data validation) or a DTD, which may declare entities.
_NEEDS_OPENPYXL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]|<!DOCTYPE", re.IGNORECASE)
_SCAN_CHUNK = 1024 * 1024
_SCAN_OVERLAP = 64  # longer than any match, so a match split across two chunks is still seen


def _holds_formulas_or_dtd(data: bytes) -> bool:
    """Whether any XML part has a DTD or any worksheet a formula; streamed, within the limits check_upload set."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            if not member.filename.lower().endswith((".xml", ".rels")):
                continue
            tail = b""
            with archive.open(member) as part:
                while chunk := part.read(_SCAN_CHUNK):
                    window = tail + chunk
                    if _NEEDS_OPENPYXL.search(window):
                        return True
                    tail = window[-_SCAN_OVERLAP:]
    return False


def read_member_sheet(data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> SheetContent:
    """Check the upload, then read the member sheet. Raises UploadRejected for file-level problems."""
    check_upload(data, limits)
    try:
        plain_values_only = not _holds_formulas_or_dtd(data)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:  # a corrupt part
        raise _unreadable(error) from error
    if plain_values_only:
        return _read_with_calamine(data, limits)
    return _read_with_openpyxl(data, limits)


def _read_with_calamine(data: bytes, limits: UploadLimits) -> SheetContent:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        title = MEMBER_SHEET_TITLE if MEMBER_SHEET_TITLE in names else names[0]
        # skip_empty_area=False keeps row and column positions as the user sees them (A1 is [0][0])
        values = workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
    except Exception as error:  # calamine raises its own errors and ValueError/IndexError for broken files
        raise _unreadable(error) from error
    return _sheet_content(title, values, limits)


def _read_with_openpyxl(data: bytes, limits: UploadLimits) -> SheetContent:
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
    return _sheet_content(sheet.title, sheet.iter_rows(values_only=True), limits)


def _sheet_content(title: str, sheet_rows: Iterable[Sequence[object]], limits: UploadLimits) -> SheetContent:
    header_row: int | None = None
    headers: tuple[HeaderCell, ...] = ()
    rows: list[RawRow] = []
    for number, raw_values in enumerate(sheet_rows, start=1):
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
    return SheetContent(title, header_row, headers, tuple(rows))
