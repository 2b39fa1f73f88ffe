"""The import log the user copies or downloads: validated members, errors, what was created, failed rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from gymloop_kit.formula_safe import csv_cell

from gymloop_importer.domain.columns import COLUMNS_BY_KEY
from gymloop_importer.domain.errors import ImportIssue
from gymloop_importer.domain.import_row import ImportRow
from gymloop_importer.domain.row_progress import MemberOutcome, RefusedBy, RowRejection
from gymloop_importer.domain.validation import ValidatedMember, ValidationOutcome

CSV_COLUMNS = ("section", "row", "column", "email", "name", "detail")


@dataclass(frozen=True)
class LoggedMember:
    row_number: int
    email: str
    name: str


@dataclass(frozen=True)
class LoggedSubscription:
    row_number: int
    email: str
    plan_name: str
    start_date: date


# Fields named in a service's refusal that are not a template column key themselves.
_FIELD_COLUMNS = {
    "responsible_employee_email": "responsible_employee",
    "plan_id": "subscription",
    "plan_name": "subscription",
    "plan": "subscription",
    "mandate": "iban",
}


def column_of_field(field_name: str | None, refused_by: RefusedBy) -> str | None:
    """The template column a refusal points at (its header), else the field as the service named it."""
    if not field_name:
        return None
    name = field_name.rsplit(".", 1)[-1]
    if refused_by is RefusedBy.BILLING and name == "start_date":
        name = "subscription_start_date"  # billing's start date is the subscription's
    key = _FIELD_COLUMNS.get(name, name)
    column = COLUMNS_BY_KEY.get(key)
    return column.header if column else field_name


@dataclass(frozen=True)
class FailedRow:
    """A row a service refused; `member_outcome` says what happened to the person all the same."""

    row_number: int
    email: str
    name: str
    rejection: RowRejection
    member_outcome: MemberOutcome | None = None

    @property
    def column(self) -> str | None:
        return column_of_field(self.rejection.field, self.rejection.refused_by)

    @property
    def detail(self) -> str:
        """What happened and what to change, e.g. 'member created; subscription refused by billing: ...'."""
        service = self.rejection.refused_by.value
        if self.rejection.refused_by is RefusedBy.MEMBERS:
            what = f"refused by {service}"
        elif self.member_outcome is not None:
            what = f"member {self.member_outcome.value}; subscription refused by {service}"
        else:
            what = f"subscription refused by {service}"
        return f"{what}: {self.rejection.message}"


@dataclass
class ImportLog:
    file_name: str | None = None
    validated: list[ValidatedMember] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    created: list[LoggedMember] = field(default_factory=list)
    updated: list[LoggedMember] = field(default_factory=list)
    subscriptions_created: list[LoggedSubscription] = field(default_factory=list)
    failed: list[FailedRow] = field(default_factory=list)

    @classmethod
    def from_validation(cls, outcome: ValidationOutcome, file_name: str | None = None) -> ImportLog:
        return cls(file_name=file_name, validated=list(outcome.validated), errors=list(outcome.issues))

    def record_created(self, row: ImportRow) -> None:
        self.created.append(LoggedMember(row.row_number, row.email, row.full_name))

    def record_updated(self, row: ImportRow) -> None:
        self.updated.append(LoggedMember(row.row_number, row.email, row.full_name))

    def record_subscription_created(self, row: ImportRow) -> None:
        if row.subscription is None:
            raise ValueError(f"row {row.row_number} has no subscription to log")
        self.subscriptions_created.append(
            LoggedSubscription(row.row_number, row.email, row.subscription.plan_name, row.subscription.start_date)
        )

    @property
    def succeeded(self) -> bool:
        return not self.errors

    def render_text(self) -> str:
        lines = ["Member import log"]
        if self.file_name:
            lines.append(f"File: {self.file_name}")
        lines.append("")
        lines.append(f"Validated: {len(self.validated)}")
        for member in self.validated:
            status = "ok" if member.valid else "has errors"
            lines.append(f"  Row {member.row_number}: {member.name} <{member.email}> ({status})")
        if self.errors:
            lines.append("")
            lines.append(f"Errors: {len(self.errors)}")
            lines.extend(f"  {issue}" for issue in self.errors)
            lines.append("")
            lines.append("No members were created: fix the errors above and import the file again.")
            return "\n".join(lines) + "\n"
        lines.append("")
        lines.append(f"Created: {len(self.created)}")
        lines.extend(f"  Row {m.row_number}: {m.name} <{m.email}>" for m in self.created)
        lines.append(f"Updated: {len(self.updated)}")
        lines.extend(f"  Row {m.row_number}: {m.name} <{m.email}>" for m in self.updated)
        lines.append(f"Subscriptions created: {len(self.subscriptions_created)}")
        lines.extend(
            f"  Row {s.row_number}: {s.email}: {s.plan_name} from {s.start_date.isoformat()}"
            for s in self.subscriptions_created
        )
        lines.append(f"Failed: {len(self.failed)}")
        for failed in self.failed:
            column = f" (column {failed.column})" if failed.column else ""
            lines.append(f"  Row {failed.row_number}: {failed.name} <{failed.email}>{column}: {failed.detail}")
        if self.failed:
            lines.append("")
            lines.append("Failed rows were not fully imported: do what each message says, then import them again.")
        return "\n".join(lines) + "\n"

    def render_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        writer.writerow(CSV_COLUMNS)
        for validated in self.validated:
            detail = "ok" if validated.valid else "has errors"
            _write(writer, "validated", validated.row_number, "", validated.email, validated.name, detail)
        for issue in self.errors:
            column = issue.column_letter or ""
            if issue.column_header:
                column = f"{column} ({issue.column_header})" if column else issue.column_header
            _write(writer, "error", issue.row, column, "", "", issue.message)
        for member in self.created:
            _write(writer, "created", member.row_number, "", member.email, member.name, "")
        for member in self.updated:
            _write(writer, "updated", member.row_number, "", member.email, member.name, "")
        for sub in self.subscriptions_created:
            detail = f"{sub.plan_name} from {sub.start_date.isoformat()}"
            _write(writer, "subscription_created", sub.row_number, "", sub.email, "", detail)
        for failed in self.failed:
            _write(writer, "failed", failed.row_number, failed.column, failed.email, failed.name, failed.detail)
        return buffer.getvalue()


class _RowWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


def _write(writer: _RowWriter, *cells: str | int | None) -> None:
    writer.writerow(["" if cell is None else csv_cell(str(cell)) for cell in cells])
