"""Valid rows become the commands the import saga sends."""

from __future__ import annotations

import dataclasses
from datetime import date
from uuid import UUID

import pytest
from gymloop_importer.domain.commands import (
    CreateSubscription,
    SepaMandate,
    UpsertMember,
    commands_for_row,
    commands_for_rows,
)
from gymloop_importer.domain.import_row import BankAccount, ImportRow, SubscriptionRequest

pytestmark = pytest.mark.unit

STUDIO = UUID("00000000-0000-7000-8000-000000000001")
IMPORT = UUID("00000000-0000-7000-8000-0000000000aa")


def _row(**fields: object) -> ImportRow:
    values: dict[str, object] = {
        "row_number": 2,
        "first_name": "Jan",
        "last_name": "Jansen",
        "email": "Jan@example.com",
        "start_date": date(2025, 1, 1),
    }
    values.update(fields)
    return ImportRow(**values)  # type: ignore[arg-type]


def test_row_with_paid_plan_upserts_member_and_creates_subscription_with_mandate() -> None:
    row = _row(
        phone="0612345678",
        tags=("vip",),
        is_employee=False,
        subscription=SubscriptionRequest("Gold", date(2025, 2, 1), BankAccount("NL91ABNA0417164300", "J. Jansen")),
    )

    commands = commands_for_row(row, STUDIO, IMPORT)

    assert commands.upsert_member == UpsertMember(
        studio_id=STUDIO,
        import_id=IMPORT,
        row_number=2,
        email="Jan@example.com",
        first_name="Jan",
        last_name="Jansen",
        start_date=date(2025, 1, 1),
        phone="0612345678",
        birth_date=None,
        address=None,
        responsible_employee_email=None,
        tags=("vip",),
        is_employee=False,
        send_welcome_email=False,
    )
    assert commands.create_subscription == CreateSubscription(
        studio_id=STUDIO,
        import_id=IMPORT,
        row_number=2,
        member_email="Jan@example.com",
        plan_name="Gold",
        start_date=date(2025, 2, 1),
        mandate=SepaMandate("NL91ABNA0417164300", "J. Jansen"),
    )


def test_row_without_plan_sends_no_subscription_and_no_welcome_email() -> None:
    plain = commands_for_row(_row(), STUDIO, IMPORT)

    assert plain.create_subscription is None
    assert plain.upsert_member.send_welcome_email is False
    assert plain.upsert_member.tags == ()
    assert plain.upsert_member.is_employee is None


def test_commands_are_frozen_and_keyed_for_idempotent_delivery() -> None:
    first, second = commands_for_rows([_row(), _row(row_number=3, email="piet@example.com")], STUDIO, IMPORT)

    with pytest.raises(dataclasses.FrozenInstanceError):
        first.upsert_member.email = "other@example.com"  # type: ignore[misc]
    assert first.upsert_member.idempotency_key == f"{IMPORT}:upsert-member:jan@example.com"
    assert first.upsert_member.idempotency_key != second.upsert_member.idempotency_key
    again = commands_for_row(_row(), STUDIO, IMPORT)
    assert again.upsert_member.idempotency_key == first.upsert_member.idempotency_key
