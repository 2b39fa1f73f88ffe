"""Notification candidates: what an evaluation proposes, before dedupe against stored notifications.

A candidate carries everything the events need: NotificationRaised (kind, member, assignee, due
date, title), MemberInactive (AbsenceDetails) and AttendanceTrendDetected (TrendDetails).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from enum import Enum
from uuid import UUID

from gymloop_notifications.domain.kinds import NotificationKind, TrendDirection

DetailValue = str | int | float | bool | None


def _json_ready(value: object) -> DetailValue:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    raise TypeError(f"detail value {value!r} is not JSON-ready")  # pragma: no cover


class _Details:
    __slots__ = ()

    def as_dict(self) -> dict[str, DetailValue]:
        # Shallow on purpose: detail fields are scalars, and asdict's deep copy is slow in a bulk refresh.
        return {f.name: _json_ready(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class BirthdayDetails(_Details):
    birthday: date
    turns: int
    days_until: int


@dataclass(frozen=True, slots=True)
class AbsenceDetails(_Details):
    """counted_from is the last attended day, or the start date for a member who never attended."""

    days_absent: int
    threshold_days: int
    counted_from: date
    last_attended_on: date | None


@dataclass(frozen=True, slots=True)
class TrendDetails(_Details):
    direction: TrendDirection
    change_percent: float
    threshold_percent: int
    window_days: int
    previous_window_start: date
    previous_window_end: date
    recent_window_start: date
    recent_window_end: date
    previous_visits: int
    recent_visits: int


@dataclass(frozen=True, slots=True)
class CheckupDetails(_Details):
    slot_index: int
    phase: str
    slot_due_on: date
    member_since: date


NotificationDetails = BirthdayDetails | AbsenceDetails | TrendDetails | CheckupDetails


def dedupe_key(studio_id: UUID, member_id: UUID, kind: NotificationKind, period: str) -> str:
    """Same (studio, member, kind, period) always gives the same key, so a refresh never duplicates."""
    return f"{studio_id}/{member_id}/{kind.value}/{period}"


@dataclass(frozen=True, slots=True)
class NotificationCandidate:
    studio_id: UUID
    member_id: UUID
    assignee_id: UUID | None
    kind: NotificationKind
    period: str
    due_date: date
    title: str
    details: NotificationDetails
    dedupe_key: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Computed once: a refresh looks it up several times per candidate.
        object.__setattr__(self, "dedupe_key", dedupe_key(self.studio_id, self.member_id, self.kind, self.period))
