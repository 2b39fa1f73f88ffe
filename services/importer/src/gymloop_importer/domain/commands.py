"""The commands the import saga sends for each valid row (plain data; sending is not our concern here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from gymloop_importer.domain.import_row import ImportRow


@dataclass(frozen=True)
class UpsertMember:
    """Create the member, or update the member with this e-mail. None / empty tags leave a field as it is."""

    studio_id: UUID
    import_id: UUID
    row_number: int
    email: str
    first_name: str
    last_name: str
    start_date: date
    phone: str | None
    birth_date: date | None
    address: str | None
    responsible_employee_email: str | None
    tags: tuple[str, ...]
    is_employee: bool | None
    # Imported members are told about their account when the studio decides, never by the import.
    send_welcome_email: bool = False

    @property
    def idempotency_key(self) -> str:
        return f"{self.import_id}:upsert-member:{self.email.casefold()}"


@dataclass(frozen=True)
class SepaMandate:
    iban: str
    account_holder: str


@dataclass(frozen=True)
class CreateSubscription:
    studio_id: UUID
    import_id: UUID
    row_number: int
    member_email: str
    plan_name: str
    start_date: date
    mandate: SepaMandate

    @property
    def idempotency_key(self) -> str:
        return f"{self.import_id}:create-subscription:{self.member_email.casefold()}"


@dataclass(frozen=True)
class RowCommands:
    upsert_member: UpsertMember
    create_subscription: CreateSubscription | None


def commands_for_row(row: ImportRow, studio_id: UUID, import_id: UUID) -> RowCommands:
    upsert = UpsertMember(
        studio_id=studio_id,
        import_id=import_id,
        row_number=row.row_number,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        start_date=row.start_date,
        phone=row.phone,
        birth_date=row.birth_date,
        address=row.address,
        responsible_employee_email=row.responsible_employee_email,
        tags=row.tags,
        is_employee=row.is_employee,
    )
    subscription = None
    if row.subscription is not None:
        account = row.subscription.bank_account
        subscription = CreateSubscription(
            studio_id=studio_id,
            import_id=import_id,
            row_number=row.row_number,
            member_email=row.email,
            plan_name=row.subscription.plan_name,
            start_date=row.subscription.start_date,
            mandate=SepaMandate(account.iban, account.account_holder),
        )
    return RowCommands(upsert, subscription)


def commands_for_rows(rows: Sequence[ImportRow], studio_id: UUID, import_id: UUID) -> tuple[RowCommands, ...]:
    return tuple(commands_for_row(row, studio_id, import_id) for row in rows)
