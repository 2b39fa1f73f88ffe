"""Errors of the import domain: what went wrong, where in the file, and what to change.

They are the kit's errors (answered 422, or 413 for an upload over the limit); nothing translates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gymloop_kit.errors import FieldError, InvalidInput


class UploadRejected(InvalidInput):
    """The upload as a whole is refused before any row is looked at (format, safety, row limit)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code, field="file")


class UploadTooLarge(UploadRejected):
    """The upload is over the size limit."""

    status_code = 413
    title = "Content too large"


@dataclass(frozen=True)
class ImportIssue:
    """One problem in the uploaded file, located the way the user sees it in Excel."""

    code: str
    message: str
    row: int | None = None
    column_header: str | None = None
    column_letter: str | None = None

    @property
    def location(self) -> str:
        column = ""
        if self.column_letter is not None:
            column = f"column {self.column_letter}"
            if self.column_header:
                column += f" ({self.column_header})"
        elif self.column_header:  # the column is not in the file at all
            column = f"column {self.column_header}"
        if self.row is not None and column:
            return f"Row {self.row}, {column}"
        if self.row is not None:
            return f"Row {self.row}"
        if column:
            return column[0].upper() + column[1:]
        return "File"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ImportRejected(InvalidInput):
    """The file has at least one invalid row: the import is all-or-nothing, so nothing is created.

    Each issue is one field error on the file, with the row and column where the user finds it in Excel.
    """

    def __init__(self, issues: Sequence[ImportIssue]) -> None:
        count = len(issues)
        noun = "error" if count == 1 else "errors"
        super().__init__(
            f"The file has {count} {noun}; nothing was imported. Fix them and import the file again.",
            code="import_invalid",
            field="file",
            field_errors=[
                FieldError(
                    ("body", "file"),
                    str(issue),
                    issue.code,
                    {"row": issue.row, "column": issue.column_header, "column_letter": issue.column_letter},
                )
                for issue in issues
            ],
        )
        self.issues = tuple(issues)
