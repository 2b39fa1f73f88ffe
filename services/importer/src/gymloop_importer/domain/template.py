"""The downloadable import template: member sheet, instructions sheet and hidden list of plan names."""

from __future__ import annotations

import io
from collections.abc import Sequence

from gymloop_kit.text import without_breaking_characters
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from gymloop_importer.domain.columns import COLUMNS, ColumnSpec, template_letter
from gymloop_importer.domain.safety import DEFAULT_LIMITS
from gymloop_importer.domain.workbook_reader import MEMBER_SHEET_TITLE

INSTRUCTIONS_SHEET_TITLE = "Instructions"
LISTS_SHEET_TITLE = "Lists"
REQUIRED_FILL = PatternFill(fill_type="solid", start_color="FFF2CC", end_color="FFF2CC")
OPTIONAL_FILL = PatternFill(fill_type="solid", start_color="EDEDED", end_color="EDEDED")
_DATE_KEYS = ("start_date", "birth_date", "subscription_start_date")
_TEXT_KEYS = ("phone", "iban")  # text format keeps leading zeros and long digit runs intact

_GENERAL_NOTES = (
    "One member or employee per row on the 'Members' sheet; the header is row 1.",
    "Columns marked * are required. Do not rename the headers.",
    "The whole file is checked first: if any row has an error, nobody is imported and the log says what to change.",
    "Members with an e-mail address that already exists are updated: their data is overwritten. Empty "
    "optional cells leave the existing value as it is.",
    "Nobody receives an e-mail from the import; tell your members yourself when the app is ready for them.",
    f"At most {DEFAULT_LIMITS.max_rows:,} rows and {DEFAULT_LIMITS.max_upload_bytes // (1024 * 1024)} MB per "
    "file. Formulas are not evaluated: type values.",
)


def _write_text(sheet: Worksheet, row: int, column: int, value: str) -> None:
    # openpyxl would store a string starting with '=' as a formula; a plan name must stay text.
    cell = sheet.cell(row=row, column=column, value=value)
    cell.data_type = "s"


def _member_sheet(sheet: Worksheet, plan_count: int, max_rows: int) -> None:
    sheet.title = MEMBER_SHEET_TITLE
    last_row = max_rows + 1
    for index, spec in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=spec.template_header)
        cell.font = Font(bold=spec.required)
        cell.fill = REQUIRED_FILL if spec.required else OPTIONAL_FILL
        cell.alignment = Alignment(vertical="center")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(spec.template_header) + 4)
        if spec.key in _DATE_KEYS:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if spec.key in _TEXT_KEYS:
            sheet.column_dimensions[letter].number_format = "@"
        sheet.add_data_validation(_validation_for(spec, letter, last_row, plan_count))
    sheet.freeze_panes = "A2"


def _validation_for(spec: ColumnSpec, letter: str, last_row: int, plan_count: int) -> DataValidation:
    """A drop-down for plans and Yes/No, an input prompt with the format for every other column."""
    if spec.key == "subscription" and plan_count:
        # A sheet range, not an inline list: inline lists are capped at 255 characters by Excel.
        validation = DataValidation(type="list", formula1=f"{LISTS_SHEET_TITLE}!$A$1:$A${plan_count}", allow_blank=True)
        validation.error = "Pick a plan from the list: the name must match an existing plan exactly."
        validation.showErrorMessage = True
    elif spec.key == "is_employee":
        validation = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True)
        validation.error = "Choose Yes, No or leave the cell empty."
        validation.showErrorMessage = True
    else:
        validation = DataValidation(allow_blank=True)
    validation.promptTitle = spec.header[:32]
    validation.prompt = (("Required. " if spec.required else "Optional. ") + spec.format_hint)[:255]
    validation.showInputMessage = True
    validation.add(f"{letter}2:{letter}{last_row}")
    return validation


def _instructions_sheet(sheet: Worksheet) -> None:
    sheet.title = INSTRUCTIONS_SHEET_TITLE
    sheet.cell(row=1, column=1, value="Member / employee import").font = Font(bold=True, size=14)
    row = 2
    for note in _GENERAL_NOTES:
        _write_text(sheet, row, 1, note)
        row += 1
    row += 1
    for column, title in enumerate(("Column", "Header", "Required", "Format", "Example"), start=1):
        sheet.cell(row=row, column=column, value=title).font = Font(bold=True)
    for spec in COLUMNS:
        row += 1
        values = (
            template_letter(spec.key),
            spec.template_header,
            "Yes" if spec.required else "No",
            spec.format_hint,
            spec.example,
        )
        for column, value in enumerate(values, start=1):
            _write_text(sheet, row, column, value)
    for letter, width in zip("ABCDE", (9, 26, 10, 90, 32), strict=True):
        sheet.column_dimensions[letter].width = width


def template_plan_name(name: str) -> str:
    """A plan name as the template lists it: a control character (allowed in plan names before billing refused
    them) cannot be written to a worksheet, so it becomes a space; the import matches this form too."""
    return without_breaking_characters(name)


def _lists_sheet(sheet: Worksheet, plan_names: Sequence[str]) -> None:
    sheet.title = LISTS_SHEET_TITLE
    for row, name in enumerate(plan_names, start=1):
        _write_text(sheet, row, 1, template_plan_name(name))
    sheet.sheet_state = "hidden"


def build_template(plan_names: Sequence[str], max_rows: int = DEFAULT_LIMITS.max_rows) -> bytes:
    """The template as xlsx bytes; `plan_names` become the drop-down of the Subscription column."""
    workbook = Workbook()
    members = workbook.active
    assert isinstance(members, Worksheet)
    _member_sheet(members, len(plan_names), max_rows)
    _instructions_sheet(workbook.create_sheet())
    _lists_sheet(workbook.create_sheet(), plan_names)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
