"""Dry run: what would be created and overwritten, field by field, with nothing changed."""

from __future__ import annotations

from datetime import date

import pytest
from gymloop_importer.domain.dry_run import ExistingMember, FieldChange, PlannedAction, plan_dry_run
from gymloop_importer.domain.import_row import BankAccount, ImportRow, SubscriptionRequest

pytestmark = pytest.mark.unit

GOLD = SubscriptionRequest("Gold", date(2025, 2, 1), BankAccount("NL91ABNA0417164300", "J. Jansen"))


def _row(number: int, email: str, **fields: object) -> ImportRow:
    values: dict[str, object] = {"first_name": "Jan", "last_name": "Jansen", "start_date": date(2025, 1, 1)}
    values.update(fields)
    return ImportRow(row_number=number, email=email, **values)  # type: ignore[arg-type]


def test_new_member_is_created_with_every_stated_field() -> None:
    row = _row(2, "new@example.com", phone="0612345678", tags=("vip",), subscription=GOLD)

    dry_run = plan_dry_run([row], existing_members=[])

    (planned,) = dry_run.members
    assert planned.action is PlannedAction.CREATE
    assert planned.changes == (
        FieldChange("first_name", None, "Jan"),
        FieldChange("last_name", None, "Jansen"),
        FieldChange("start_date", None, date(2025, 1, 1)),
        FieldChange("phone", None, "0612345678"),
        FieldChange("tags", None, ("vip",)),
        FieldChange("is_employee", None, False),
    )
    assert planned.subscription == GOLD
    assert dry_run.created == (planned,)
    assert dry_run.updated == ()


def test_existing_member_lists_only_changed_fields_old_to_new() -> None:
    existing = ExistingMember(
        email="Jan@Example.com",
        first_name="Jan",
        last_name="Janssen",
        start_date=date(2025, 1, 1),
        phone="0600000000",
        address="Oude weg 1",
        tags=("Morning", "vip"),
        is_employee=False,
    )
    row = _row(3, "jan@example.com", last_name="Jansen", phone="0612345678", tags=("vip", "morning"), is_employee=True)

    dry_run = plan_dry_run([row], [existing])

    (planned,) = dry_run.members
    assert planned.action is PlannedAction.UPDATE
    assert [str(change) for change in planned.changes] == [
        "last_name: Janssen -> Jansen",
        "phone: 0600000000 -> 0612345678",
        "is_employee: No -> Yes",
    ]
    # The empty Address cell keeps "Oude weg 1": it is not listed as a change to empty.
    assert all(change.field != "address" for change in planned.changes)


def test_member_whose_data_is_identical_is_unchanged() -> None:
    existing = ExistingMember("jan@example.com", "Jan", "Jansen", date(2025, 1, 1), is_employee=True)
    row = _row(2, "JAN@example.com")

    dry_run = plan_dry_run([row], [existing])

    assert dry_run.members[0].action is PlannedAction.UNCHANGED
    assert dry_run.members[0].changes == ()
    assert dry_run.unchanged == dry_run.members


def test_dry_run_changes_nothing_and_renders_a_summary() -> None:
    existing = [ExistingMember("piet@example.com", "Piet", "Pietersen", date(2024, 3, 1))]
    snapshot = list(existing)
    rows = [
        _row(2, "new@example.com", subscription=GOLD),
        _row(3, "piet@example.com", first_name="Piet", last_name="Pieters", start_date=date(2024, 3, 1)),
    ]

    dry_run = plan_dry_run(rows, existing)

    assert existing == snapshot
    assert dry_run.render_text() == (
        "Dry run: 1 to create, 1 to update, 0 unchanged, 1 subscriptions to create. Nothing has been changed.\n"
        "Row 2: create new@example.com\n"
        "  first_name: (empty) -> Jan\n"
        "  last_name: (empty) -> Jansen\n"
        "  start_date: (empty) -> 2025-01-01\n"
        "  is_employee: (empty) -> No\n"
        "  subscription: Gold from 2025-02-01\n"
        "Row 3: update piet@example.com\n"
        "  last_name: Pietersen -> Pieters\n"
    )
