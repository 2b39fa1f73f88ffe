"""Validating every row of the member sheet before anything is created (all-or-nothing)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl.utils import column_index_from_string

from gymloop_importer.domain.cell_values import cell_text
from gymloop_importer.domain.errors import ImportIssue, ImportRejected
from gymloop_importer.domain.header_mapping import map_headers
from gymloop_importer.domain.import_context import ImportContext
from gymloop_importer.domain.import_row import ImportRow
from gymloop_importer.domain.row_parsing import RowParser
from gymloop_importer.domain.subscription_rules import parse_subscription
from gymloop_importer.domain.workbook_reader import SheetContent

EARLIEST_BIRTH_DATE = date(1900, 1, 1)


@dataclass(frozen=True)
class ValidatedMember:
    """A row as listed in the import log's 'validated' section, valid or not."""

    row_number: int
    email: str
    name: str
    valid: bool


@dataclass(frozen=True)
class ValidationOutcome:
    rows: tuple[ImportRow, ...]  # only rows without issues; use them only when is_valid
    issues: tuple[ImportIssue, ...]
    validated: tuple[ValidatedMember, ...]

    @property
    def is_valid(self) -> bool:
        return not self.issues

    def valid_rows(self) -> tuple[ImportRow, ...]:
        """The rows to import; raises ImportRejected if any row (or the header) has a problem."""
        if self.issues:
            raise ImportRejected(self.issues)
        return self.rows


@dataclass(frozen=True)
class _RowFacts:
    """What cross-row rules need, known even for rows that have other problems."""

    parser: RowParser
    email: str | None
    is_employee: bool | None
    responsible_email: str | None


PROGRESS_EVERY_ROWS = 250

# Called with (rows validated, rows in the sheet); from the thread that validates.
ProgressReport = Callable[[int, int], None]


def validate_sheet(
    sheet: SheetContent, context: ImportContext, on_progress: ProgressReport | None = None
) -> ValidationOutcome:
    header_map = map_headers(sheet)
    issues: list[ImportIssue] = list(header_map.issues)
    if sheet.header_row is not None and not sheet.rows:
        issues.append(ImportIssue("no_members", "there are no member rows below the header: add one member per row"))

    facts: list[_RowFacts] = []
    parsed: list[tuple[ImportRow, RowParser]] = []
    total = len(sheet.rows)
    for done, raw_row in enumerate(sheet.rows, start=1):
        parser = RowParser(raw_row, header_map.placements)
        row, fact = _parse_row(parser, context)
        facts.append(fact)
        if row is not None:
            parsed.append((row, parser))
        if on_progress is not None and done % PROGRESS_EVERY_ROWS == 0:
            on_progress(done, total)

    _check_duplicate_emails(facts)
    _check_responsible_employees(facts, context)

    for fact in facts:
        issues.extend(fact.parser.issues)
    # Cross-row rules may have added issues to rows that parsed fine on their own.
    valid_rows = tuple(row for row, parser in parsed if not parser.issues)
    validated = tuple(_validated_member(fact) for fact in facts)
    if on_progress is not None:
        on_progress(total, total)
    return ValidationOutcome(valid_rows, tuple(_in_sheet_order(issues)), validated)


def _parse_row(parser: RowParser, context: ImportContext) -> tuple[ImportRow | None, _RowFacts]:
    first_name = parser.text("first_name", required=True)
    last_name = parser.text("last_name", required=True)
    email = parser.email("email", required=True)
    start_date = parser.date("start_date", required=True)
    phone = parser.phone("phone")
    birth_date = _birth_date(parser, context)
    address = parser.text("address")
    responsible = parser.email("responsible_employee")
    tags = parser.tags("tags")
    is_employee = parser.yes_no("is_employee")
    subscription = parse_subscription(parser, context, start_date)

    fact = _RowFacts(parser, email, is_employee, responsible)
    if parser.issues or first_name is None or last_name is None or email is None or start_date is None:
        return None, fact
    row = ImportRow(
        row_number=parser.row.number,
        first_name=first_name,
        last_name=last_name,
        email=email,
        start_date=start_date,
        phone=phone,
        birth_date=birth_date,
        address=address,
        responsible_employee_email=responsible,
        tags=tags,
        is_employee=is_employee,
        subscription=subscription,
    )
    return row, fact


def _birth_date(parser: RowParser, context: ImportContext) -> date | None:
    birth_date = parser.date("birth_date")
    if birth_date is None:
        return None
    if birth_date > context.today:
        parser.report(
            "birth_date",
            "birth_date_in_future",
            f"the birth date {birth_date.isoformat()} is in the future: check the year",
        )
        return None
    if birth_date < EARLIEST_BIRTH_DATE:
        parser.report(
            "birth_date",
            "birth_date_too_early",
            f"the birth date {birth_date.isoformat()} is before 1900: check the year",
        )
        return None
    return birth_date


def _check_duplicate_emails(facts: Sequence[_RowFacts]) -> None:
    first_row_by_email: dict[str, int] = {}
    for fact in facts:
        if fact.email is None:
            continue
        key = fact.email.casefold()
        first_row = first_row_by_email.setdefault(key, fact.parser.row.number)
        if first_row != fact.parser.row.number:
            fact.parser.report(
                "email",
                "email_duplicate",
                f"{fact.email} is also used on row {first_row} (e-mail addresses are compared ignoring "
                f"case): every member needs their own e-mail address, so change or remove row "
                f"{first_row} or row {fact.parser.row.number}",
            )


def _check_responsible_employees(facts: Sequence[_RowFacts], context: ImportContext) -> None:
    row_by_email: dict[str, _RowFacts] = {}
    for fact in facts:
        if fact.email is not None:
            row_by_email.setdefault(fact.email.casefold(), fact)
    for fact in facts:
        responsible = fact.responsible_email
        if responsible is None or context.is_known_employee(responsible):
            continue
        in_file = row_by_email.get(responsible.casefold())
        if in_file is None:
            fact.parser.report(
                "responsible_employee",
                "responsible_employee_unknown",
                f"{responsible} is not an employee of this studio: use the e-mail address of an existing "
                "employee, or add that employee as a row with Employee set to Yes",
            )
        elif in_file.is_employee is not True:
            other_row = in_file.parser.row.number
            fact.parser.report(
                "responsible_employee",
                "responsible_employee_not_employee",
                f"{responsible} is on row {other_row}, but that row is not an employee: set Employee to "
                f"Yes on row {other_row}, or choose an existing employee",
            )


def _validated_member(fact: _RowFacts) -> ValidatedMember:
    parser = fact.parser
    email = fact.email or cell_text(parser.raw("email"))
    names = (cell_text(parser.raw("first_name")), cell_text(parser.raw("last_name")))
    name = " ".join(part for part in names if part)
    return ValidatedMember(parser.row.number, email, name, valid=not parser.issues)


def _in_sheet_order(issues: Sequence[ImportIssue]) -> list[ImportIssue]:
    def position(issue: ImportIssue) -> tuple[int, int]:
        column = column_index_from_string(issue.column_letter) if issue.column_letter else 0
        return (issue.row if issue.row is not None else -1, column)

    return sorted(issues, key=position)
