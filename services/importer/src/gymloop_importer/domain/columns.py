"""The columns of the import template: header text, whether required, format and example."""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    header: str
    required: bool
    format_hint: str
    example: str
    # E-mail, date and IBAN columns must hold a typed value; a formula there is an error, not data.
    rejects_formulas: bool = False
    max_length: int | None = None

    @property
    def template_header(self) -> str:
        """The header as written in the template: required columns end in ' *'."""
        return f"{self.header} *" if self.required else self.header


DATE_FORMAT_HINT = "a date: an Excel date, or text yyyy-mm-dd or dd-mm-yyyy"

COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("first_name", "First name", True, "text, at most 100 characters", "Jan", max_length=100),
    ColumnSpec("last_name", "Last name", True, "text, at most 100 characters", "Jansen", max_length=100),
    ColumnSpec(
        "email",
        "E-mail",
        True,
        "e-mail address, unique in the file; the member logs in with it",
        "jan.jansen@example.com",
        rejects_formulas=True,
        max_length=254,
    ),
    ColumnSpec("start_date", "Start date", True, DATE_FORMAT_HINT, "2025-01-01", rejects_formulas=True),
    ColumnSpec("phone", "Phone", False, "digits, spaces and an optional leading +", "+31 6 12345678", max_length=32),
    ColumnSpec(
        "birth_date",
        "Birth date",
        False,
        DATE_FORMAT_HINT + ", not in the future",
        "1990-05-17",
        rejects_formulas=True,
    ),
    ColumnSpec(
        "address", "Address", False, "text, at most 300 characters", "Dorpsstraat 1, 1234 AB Utrecht", max_length=300
    ),
    ColumnSpec(
        "responsible_employee",
        "Responsible employee",
        False,
        "e-mail of an existing employee, or of a row in this file with Employee = Yes",
        "coach@example.com",
        rejects_formulas=True,
        max_length=254,
    ),
    ColumnSpec("tags", "Tags", False, "comma separated, each at most 50 characters", "morning, beginner"),
    ColumnSpec(
        "subscription",
        "Subscription",
        False,
        "the exact name of an existing plan (pick it from the list); only with SEPA Direct Debit Export, "
        "except free hidden plans",
        "Unlimited monthly",
    ),
    ColumnSpec(
        "subscription_start_date",
        "Subscription start date",
        False,
        DATE_FORMAT_HINT + "; empty means the member's start date",
        "2025-01-01",
        rejects_formulas=True,
    ),
    ColumnSpec(
        "iban",
        "IBAN",
        False,
        "IBAN of the account to collect from; required with a subscription",
        "NL91 ABNA 0417 1643 00",
        rejects_formulas=True,
    ),
    ColumnSpec(
        "account_holder",
        "Account holder",
        False,
        "name of the account holder, at most 70 characters; required with a subscription",
        "J. Jansen",
        max_length=70,
    ),
    ColumnSpec("is_employee", "Employee", False, "Yes gives back-office access; No or empty: member access", "No"),
)

COLUMNS_BY_KEY: dict[str, ColumnSpec] = {column.key: column for column in COLUMNS}


def template_letter(key: str) -> str:
    """The column letter of `key` in the template (users may move columns; errors use the file's letter)."""
    index = next(i for i, column in enumerate(COLUMNS) if column.key == key)
    return get_column_letter(index + 1)


def header_key(text: str) -> str:
    """Compare headers loosely: case, spaces, '*' and punctuation do not matter ('E-mail *' == 'email')."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


_BY_HEADER_KEY: dict[str, ColumnSpec] = {header_key(column.header): column for column in COLUMNS}


def column_for_header(text: str) -> ColumnSpec | None:
    key = header_key(text)
    return _BY_HEADER_KEY.get(key) if key else None
