"""A dry run: what an import would create and overwrite, field by field, without changing anything."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from gymloop_importer.domain.import_row import (
    PROFILE_FIELDS,
    ImportRow,
    ProfileValue,
    SubscriptionRequest,
    stated_profile,
)


@dataclass(frozen=True)
class ExistingMember:
    """A member the studio already has, as the members service knows them now."""

    email: str
    first_name: str | None = None
    last_name: str | None = None
    start_date: date | None = None
    phone: str | None = None
    birth_date: date | None = None
    address: str | None = None
    responsible_employee_email: str | None = None
    tags: tuple[str, ...] = ()
    is_employee: bool = False


def format_value(value: ProfileValue | None) -> str:
    if value is None or value == ():
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(value)
    return value


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: ProfileValue | None
    new: ProfileValue

    def __str__(self) -> str:
        return f"{self.field}: {format_value(self.old)} -> {format_value(self.new)}"


class PlannedAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class PlannedMember:
    row_number: int
    email: str
    action: PlannedAction
    changes: tuple[FieldChange, ...]
    subscription: SubscriptionRequest | None


@dataclass(frozen=True)
class DryRun:
    members: tuple[PlannedMember, ...]

    def with_action(self, action: PlannedAction) -> tuple[PlannedMember, ...]:
        return tuple(member for member in self.members if member.action is action)

    @property
    def created(self) -> tuple[PlannedMember, ...]:
        return self.with_action(PlannedAction.CREATE)

    @property
    def updated(self) -> tuple[PlannedMember, ...]:
        return self.with_action(PlannedAction.UPDATE)

    @property
    def unchanged(self) -> tuple[PlannedMember, ...]:
        return self.with_action(PlannedAction.UNCHANGED)

    @property
    def subscriptions(self) -> tuple[PlannedMember, ...]:
        return tuple(member for member in self.members if member.subscription is not None)

    def render_text(self) -> str:
        lines = [
            f"Dry run: {len(self.created)} to create, {len(self.updated)} to update, "
            f"{len(self.unchanged)} unchanged, {len(self.subscriptions)} subscriptions to create. "
            "Nothing has been changed."
        ]
        for member in self.members:
            lines.append(f"Row {member.row_number}: {member.action.value} {member.email}")
            lines.extend(f"  {change}" for change in member.changes)
            if member.subscription is not None:
                lines.append(
                    f"  subscription: {member.subscription.plan_name} from {member.subscription.start_date.isoformat()}"
                )
        return "\n".join(lines) + "\n"


def _same(field: str, old: ProfileValue | None, new: ProfileValue) -> bool:
    if field == "tags" and isinstance(old, tuple) and isinstance(new, tuple):
        return {tag.casefold() for tag in old} == {tag.casefold() for tag in new}
    if isinstance(old, str) and isinstance(new, str) and field == "responsible_employee_email":
        return old.casefold() == new.casefold()
    return old == new


def _plan_member(row: ImportRow, existing: ExistingMember | None) -> PlannedMember:
    stated = stated_profile(row)
    if existing is None:
        stated.setdefault("is_employee", False)  # an empty Employee cell means plain member access
        changes = tuple(FieldChange(field, None, stated[field]) for field in PROFILE_FIELDS if field in stated)
        return PlannedMember(row.row_number, row.email, PlannedAction.CREATE, changes, row.subscription)
    changes = tuple(
        FieldChange(field, getattr(existing, field), new)
        for field, new in stated.items()
        if not _same(field, getattr(existing, field), new)
    )
    action = PlannedAction.UPDATE if changes else PlannedAction.UNCHANGED
    return PlannedMember(row.row_number, row.email, action, changes, row.subscription)


def plan_dry_run(rows: Sequence[ImportRow], existing_members: Iterable[ExistingMember]) -> DryRun:
    """Compare each row with the existing member of the same e-mail (ignoring case); empty cells keep
    the existing value, so they are never listed as changes."""
    existing_by_email = {member.email.casefold(): member for member in existing_members}
    return DryRun(tuple(_plan_member(row, existing_by_email.get(row.email.casefold())) for row in rows))
