"""Reading one sheet row into typed values, collecting a located issue for every bad cell."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TypeVar

from gymloop_importer.domain.cell_values import (
    CellProblem,
    cell_text,
    is_blank,
    is_formula,
    parse_date,
    parse_email,
    parse_iban,
    parse_phone,
    parse_tags,
    parse_yes_no,
    shown,
)
from gymloop_importer.domain.columns import COLUMNS_BY_KEY
from gymloop_importer.domain.errors import ImportIssue
from gymloop_importer.domain.header_mapping import ColumnPlacement
from gymloop_importer.domain.workbook_reader import RawRow

T = TypeVar("T")

_FORMULA_HINTS = {
    "email": "type the e-mail address itself",
    "responsible_employee": "type the e-mail address itself",
    "iban": "type the IBAN itself",
}

_REQUIRED_HINTS = {
    "first_name": "the member's first name",
    "last_name": "the member's last name",
    "email": "the member's e-mail address; they log in with it",
    "start_date": "the date the membership starts, e.g. 2025-01-31",
}


class RowParser:
    """Typed access to the cells of one row; every problem is recorded, none raised."""

    def __init__(self, row: RawRow, placements: Mapping[str, ColumnPlacement]) -> None:
        self.row = row
        self.placements = placements
        self.issues: list[ImportIssue] = []

    def has_column(self, key: str) -> bool:
        return key in self.placements

    def raw(self, key: str) -> object:
        placement = self.placements.get(key)
        return None if placement is None else self.row.value_at(placement.index)

    def is_filled(self, key: str) -> bool:
        return not is_blank(self.raw(key))

    def has_issue(self, key: str) -> bool:
        placement = self.placements.get(key)
        letter = placement.letter if placement else None
        header = placement.header if placement else COLUMNS_BY_KEY[key].header
        return any(issue.column_letter == letter and issue.column_header == header for issue in self.issues)

    def report(self, key: str, code: str, message: str) -> None:
        placement = self.placements.get(key)
        self.issues.append(
            ImportIssue(
                code,
                message,
                row=self.row.number,
                column_header=placement.header if placement else COLUMNS_BY_KEY[key].header,
                column_letter=placement.letter if placement else None,
            )
        )

    def _parse(self, key: str, parse: Callable[[object], T], required: bool) -> T | None:
        """None when the cell is empty (reported if required) or invalid (always reported)."""
        if not self.has_column(key):  # a missing required column is reported once, on the header row
            return None
        value = self.raw(key)
        spec = self.placements[key].spec
        if is_blank(value):
            if required:
                hint = _REQUIRED_HINTS.get(key, spec.format_hint)
                self.report(key, "required", f"{spec.header} is required but empty: fill in {hint}")
            return None
        if spec.rejects_formulas and is_formula(value):
            hint = _FORMULA_HINTS.get(key, "type the date itself, e.g. 2025-01-31")
            self.report(
                key,
                "formula_not_allowed",
                f"the cell holds the formula {shown(value)}, which is not evaluated: {hint}",
            )
            return None
        try:
            return parse(value)
        except CellProblem as problem:
            self.report(key, problem.code, problem.message)
            return None

    def text(self, key: str, required: bool = False) -> str | None:
        return self._parse(key, self._checked_text(key), required)

    def _checked_text(self, key: str) -> Callable[[object], str]:
        max_length = self.placements[key].spec.max_length if key in self.placements else None

        def parse(value: object) -> str:
            text = cell_text(value)
            if max_length is not None and len(text) > max_length:
                raise CellProblem(
                    "too_long",
                    f"the text has {len(text)} characters; at most {max_length} are allowed: shorten it",
                )
            return text

        return parse

    def email(self, key: str, required: bool = False) -> str | None:
        return self._parse(key, parse_email, required)

    def date(self, key: str, required: bool = False) -> date | None:
        return self._parse(key, parse_date, required)

    def phone(self, key: str) -> str | None:
        return self._parse(key, parse_phone, required=False)

    def iban(self, key: str) -> str | None:
        return self._parse(key, parse_iban, required=False)

    def yes_no(self, key: str) -> bool | None:
        return self._parse(key, parse_yes_no, required=False)

    def tags(self, key: str) -> tuple[str, ...]:
        return self._parse(key, parse_tags, required=False) or ()
