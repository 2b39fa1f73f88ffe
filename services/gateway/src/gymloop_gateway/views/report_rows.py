"""The members report's rows: built from members, billing and bookings answers, filtered and sorted (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from gymloop_kit.errors import InvalidInput

from gymloop_gateway.views.at_risk import display_name

# The report's columns, in the order of the JSON rows and of the CSV and XLSX files.
COLUMNS: tuple[str, ...] = (
    "member_id",
    "name",
    "email",
    "status",
    "plan",
    "tags",
    "responsible_employee_id",
    "responsible_employee",
    "average_visits_per_week",
    "last_visit",
    "credits_left",
    "payment_state",
)
# What `sort` accepts (a leading `-` for descending); empty values always come last.
SORT_KEYS = frozenset(
    {
        "name",
        "email",
        "status",
        "plan",
        "responsible_employee",
        "average_visits_per_week",
        "last_visit",
        "credits_left",
        "payment_state",
    }
)
DEFAULT_SORT = "name"


@dataclass(frozen=True, slots=True)
class ReportFilters:
    status: str | None = None
    plan: str | None = None  # a plan's name or id
    tag: str | None = None  # a tag's name or id
    responsible_employee_id: str | None = None
    payment_state: str | None = None  # ok or overdue (the billing page's overdue members)


def report_row(
    member: Mapping[str, Any],
    attendance: Mapping[str, Any] | None,
    billing: Mapping[str, Any] | None,
    names: Mapping[str, str],
) -> dict[str, Any]:
    """One member's row. `names` gives employees' names by id; a part whose service did not answer is None."""
    plans = list(billing.get("plans") or []) if billing is not None else []
    responsible = member.get("responsible_employee_id")
    return {
        "member_id": str(member.get("id")),
        "name": display_name(member),
        "email": member.get("email"),
        "status": member.get("status"),
        "plan": ", ".join(str(p.get("plan_name")) for p in plans) if billing is not None else None,
        "plan_ids": [str(p.get("plan_id")) for p in plans],
        "tags": [str(t.get("name")) for t in member.get("tags") or []],
        "tag_ids": [str(t.get("id")) for t in member.get("tags") or []],
        "responsible_employee_id": str(responsible) if responsible else None,
        "responsible_employee": names.get(str(responsible)) if responsible else None,
        "average_visits_per_week": attendance.get("average_per_week_12_weeks") if attendance is not None else None,
        "last_visit": attendance.get("last_visit") if attendance is not None else None,
        "credits_left": attendance.get("credits_left") if attendance is not None else None,
        "payment_state": billing.get("payment_state") if billing is not None else None,
    }


def report_rows(
    people: Iterable[Mapping[str, Any]],
    attendance: Mapping[str, Mapping[str, Any]] | None,
    billing: Mapping[str, Mapping[str, Any]] | None,
) -> list[dict[str, Any]]:
    """A row per member (people who are only employees are not in the report; their names are)."""
    everyone = list(people)
    names = {str(p.get("id")): display_name(p) for p in everyone}
    rows = []
    for person in everyone:
        if person.get("is_member") is False:
            continue
        member_id = str(person.get("id"))
        rows.append(
            report_row(
                person,
                attendance.get(member_id, {}) if attendance is not None else None,
                billing.get(member_id, {}) if billing is not None else None,
                names,
            )
        )
    return rows


def matches(row: Mapping[str, Any], filters: ReportFilters) -> bool:
    if filters.status is not None and row["status"] != filters.status:
        return False
    if (
        filters.responsible_employee_id is not None
        and row["responsible_employee_id"] != filters.responsible_employee_id
    ):
        return False
    if filters.payment_state is not None and row["payment_state"] != filters.payment_state:
        return False
    if filters.tag is not None:
        wanted = filters.tag.casefold()
        if wanted not in {t.casefold() for t in row["tags"]} and filters.tag not in row["tag_ids"]:
            return False
    if filters.plan is not None:
        names = {p.strip().casefold() for p in (row["plan"] or "").split(",") if p.strip()}
        if filters.plan.casefold() not in names and filters.plan not in row["plan_ids"]:
            return False
    return True


def filter_rows(rows: Iterable[Mapping[str, Any]], filters: ReportFilters) -> list[dict[str, Any]]:
    return [dict(row) for row in rows if matches(row, filters)]


def sort_rows(rows: Sequence[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
    """Sorted by one column (`-` first for descending), empty values last either way, then by name and id."""
    spec = sort or DEFAULT_SORT
    descending = spec.startswith("-")
    key = spec.removeprefix("-")
    if key not in SORT_KEYS:
        known = ", ".join(sorted(SORT_KEYS))
        raise InvalidInput(f"cannot sort by {key!r}: sort by one of {known}, with - first for descending",
                           code="unknown_sort", field="sort")  # fmt: skip
    tie_broken = sorted(rows, key=lambda r: (r["name"].casefold(), r["member_id"]))
    present = [r for r in tie_broken if _value(r[key]) is not None]
    empty = [r for r in tie_broken if _value(r[key]) is None]
    present.sort(key=lambda r: _value(r[key]), reverse=descending)  # stable: ties keep the name order
    return present + empty


def _value(value: Any) -> Any:
    """Comparable form: text case-insensitively, ISO dates as dates, empty text as missing."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return (0, date.fromisoformat(value))
        except ValueError:
            return (1, value.casefold())
    return (0, value)


def public_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row as answered: the report's columns only (the ids kept for filtering stay inside)."""
    return {column: row[column] for column in COLUMNS}
