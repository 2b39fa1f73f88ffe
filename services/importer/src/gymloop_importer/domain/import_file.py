"""From uploaded bytes to validated rows: safety checks, reading, validation and fingerprint."""

from __future__ import annotations

from dataclasses import dataclass

from gymloop_importer.domain.errors import ImportIssue
from gymloop_importer.domain.fingerprint import content_fingerprint
from gymloop_importer.domain.import_context import ImportContext
from gymloop_importer.domain.import_row import ImportRow
from gymloop_importer.domain.safety import DEFAULT_LIMITS, UploadLimits
from gymloop_importer.domain.validation import ProgressReport, ValidatedMember, ValidationOutcome, validate_sheet
from gymloop_importer.domain.workbook_reader import read_member_sheet


@dataclass(frozen=True)
class ParsedImport:
    outcome: ValidationOutcome
    fingerprint: str | None  # only for a valid file: an invalid one is never imported

    @property
    def is_valid(self) -> bool:
        return self.outcome.is_valid

    @property
    def rows(self) -> tuple[ImportRow, ...]:
        """The rows to import; raises ImportRejected when the file has any issue (all-or-nothing)."""
        return self.outcome.valid_rows()

    @property
    def issues(self) -> tuple[ImportIssue, ...]:
        return self.outcome.issues

    @property
    def validated(self) -> tuple[ValidatedMember, ...]:
        return self.outcome.validated


def parse_import_file(
    data: bytes,
    context: ImportContext,
    limits: UploadLimits = DEFAULT_LIMITS,
    on_progress: ProgressReport | None = None,
) -> ParsedImport:
    """Raises UploadRejected for a file that cannot be read safely; row problems come back as issues."""
    sheet = read_member_sheet(data, limits)
    if on_progress is not None:
        on_progress(0, len(sheet.rows))
    outcome = validate_sheet(sheet, context, on_progress)
    fingerprint = content_fingerprint(outcome.rows) if outcome.is_valid else None
    return ParsedImport(outcome, fingerprint)
