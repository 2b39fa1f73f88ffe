"""Finding the template columns in the uploaded header row, wherever the user moved them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from gymloop_importer.domain.cell_values import is_blank
from gymloop_importer.domain.columns import COLUMNS, ColumnSpec, column_for_header, template_letter
from gymloop_importer.domain.errors import ImportIssue
from gymloop_importer.domain.workbook_reader import SheetContent


@dataclass(frozen=True)
class ColumnPlacement:
    """A template column as found in this file: its spec plus the header and letter the user sees."""

    spec: ColumnSpec
    index: int
    header: str

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)


@dataclass(frozen=True)
class HeaderMap:
    placements: Mapping[str, ColumnPlacement]  # by column key
    issues: tuple[ImportIssue, ...]


_ACCEPTED_HEADERS = ", ".join(column.header for column in COLUMNS)


def map_headers(sheet: SheetContent) -> HeaderMap:
    if sheet.header_row is None:
        issue = ImportIssue(
            "sheet_empty",
            f"the sheet '{sheet.sheet_title}' is empty: put the template's header row in row 1 and one "
            "member per row below it.",
        )
        return HeaderMap({}, (issue,))

    header_row = sheet.header_row
    placements: dict[str, ColumnPlacement] = {}
    issues: list[ImportIssue] = []
    for cell in sheet.headers:
        spec = column_for_header(cell.text)
        if spec is None:
            issues.append(
                ImportIssue(
                    "column_unknown",
                    f"'{cell.text}' is not a column of the import template: remove the column or rename it "
                    f"to one of: {_ACCEPTED_HEADERS}",
                    row=header_row,
                    column_header=cell.text,
                    column_letter=cell.letter,
                )
            )
        elif spec.key in placements:
            first = placements[spec.key]
            issues.append(
                ImportIssue(
                    "column_duplicate",
                    f"the column '{spec.header}' appears twice (also column {first.letter}): "
                    "keep one of the two columns",
                    row=header_row,
                    column_header=cell.text,
                    column_letter=cell.letter,
                )
            )
        else:
            placements[spec.key] = ColumnPlacement(spec, cell.index, cell.text)

    for spec in COLUMNS:
        if spec.required and spec.key not in placements:
            issues.append(
                ImportIssue(
                    "column_missing",
                    f"the required column '{spec.header}' is missing: add a column with the header "
                    f"'{spec.template_header}' (column {template_letter(spec.key)} in the template)",
                    row=header_row,
                )
            )

    issues.extend(_values_without_header(sheet))
    return HeaderMap(placements, tuple(issues))


def _values_without_header(sheet: SheetContent) -> list[ImportIssue]:
    """Data in a column whose header cell is empty would silently be lost, so it is reported."""
    headed = {cell.index for cell in sheet.headers}
    first_row_by_index: dict[int, int] = {}
    for row in sheet.rows:
        for index, value in enumerate(row.values):
            if index not in headed and not is_blank(value) and index not in first_row_by_index:
                first_row_by_index[index] = row.number
    return [
        ImportIssue(
            "column_without_header",
            "this column has values but no header: give it a header from the template or clear the column",
            row=first_row_by_index[index],
            column_letter=get_column_letter(index + 1),
        )
        for index in sorted(first_row_by_index)
    ]
