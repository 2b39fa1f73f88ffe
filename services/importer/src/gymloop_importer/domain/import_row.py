"""A member row that passed validation: typed values, ready to become commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class BankAccount:
    iban: str  # compact form, e.g. NL91ABNA0417164300
    account_holder: str


@dataclass(frozen=True)
class SubscriptionRequest:
    plan_name: str
    start_date: date
    bank_account: BankAccount  # the mandate's account; required for every imported subscription


@dataclass(frozen=True)
class ImportRow:
    """Optional fields are None (or empty tags) when the cell was empty: the import then leaves them as
    they are for an existing member, rather than erasing what the studio already knows."""

    row_number: int
    first_name: str
    last_name: str
    email: str
    start_date: date
    phone: str | None = None
    birth_date: date | None = None
    address: str | None = None
    responsible_employee_email: str | None = None
    tags: tuple[str, ...] = ()
    is_employee: bool | None = None  # None: cell empty (new members become plain members)
    subscription: SubscriptionRequest | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


ProfileValue = str | date | bool | tuple[str, ...]

PROFILE_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "start_date",
    "phone",
    "birth_date",
    "address",
    "responsible_employee_email",
    "tags",
    "is_employee",
)


def stated_profile(row: ImportRow) -> dict[str, ProfileValue]:
    """The profile fields this row states a value for (empty cells state nothing)."""
    stated: dict[str, ProfileValue] = {}
    for field in PROFILE_FIELDS:
        value = getattr(row, field)
        if value is None or value == ():
            continue
        stated[field] = value
    return stated
