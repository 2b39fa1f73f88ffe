"""The importer's rows: whom an import may overwrite, and how a refused row is explained to the studio.

An import row (seed 003) creates a person or overwrites an existing member's data. When members refuses a row,
the importer shows the reason in its log, so the reason names the row, the column of the import template and
what to change in the file (or in the studio) before importing again.
"""

from __future__ import annotations

from dataclasses import dataclass

from gymloop_members.domain.errors import DomainConflict

# Fields of the use cases that are named differently in the import row (MemberImportRequested).
_ROW_FIELD = {
    "name": "tags",  # the tag-name check calls its input "name"
    "tag_ids": "tags",
    "responsible_employee_id": "responsible_employee_email",
    "role": "is_employee",
}

# The import template's column headers, so the message points at the cell to change.
_COLUMN = {
    "email": "E-mail",
    "first_name": "First name",
    "last_name": "Last name",
    "start_date": "Start date",
    "phone": "Phone",
    "birth_date": "Birth date",
    "address": "Address",
    "responsible_employee_email": "Responsible employee",
    "tags": "Tags",
    "is_employee": "Employee",
}


@dataclass(frozen=True)
class ImportRefusal:
    """Why members refused an import row: a machine code, the row's field and what to change."""

    code: str
    field: str | None
    message: str


def check_import_may_overwrite(*, email: str, role: str, status: str) -> None:
    """An import overwrites members' data, but never an admin's (an import may be started by any employee, and
    the people who run the studio keep their own profile), nor an archived member's (the row would be "done"
    while the person still cannot log in or book)."""
    if role == "admin":
        raise DomainConflict(
            code="import_overwrites_admin",
            field="email",
            message=f"{email} belongs to an admin of this studio, and an import does not overwrite an admin",
        )
    if status == "archived":
        raise DomainConflict(
            code="import_member_archived",
            field="email",
            message=f"{email} belongs to an archived member of this studio",
        )


def _advice(code: str, field: str | None, row_number: int) -> str:
    column = _COLUMN.get(field or "")
    if code == "import_overwrites_admin":
        return f"remove row {row_number} from the file (an admin changes their profile in the app)"
    if code == "import_member_archived":
        return f"unarchive the member first and import the file again, or remove row {row_number}"
    if code == "studio_unknown":
        return "start the import again while logged in to the studio it is meant for"
    if code == "responsible_is_self":
        return f"choose another employee in column '{_COLUMN['responsible_employee_email']}' or leave it empty"
    if column is not None:
        return f"correct column '{column}' of row {row_number} and import the file again"
    return f"correct row {row_number} and import the file again"


def refusal_of(*, code: str, field: str | None, message: str, row_number: int) -> ImportRefusal:
    """The refusal of one import row, from the error a use case raised: the field as the import row names
    it, and a message that says which row, what is wrong and what to change."""
    row_field = _ROW_FIELD.get(field, field) if field is not None else None
    advice = _advice(code, row_field, row_number)
    return ImportRefusal(code=code, field=row_field, message=f"Row {row_number}: {message.rstrip('.')}; {advice}.")
