"""A member's attendance as the rules read it: the last attended day and visits counted per window.

Tests and the per-member path pass plain local dates (`AttendanceDates`); the bulk refresh passes
what the database already aggregated (`AttendanceSummary`), so a studio refresh never loads every
attendance row into Python.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable


@runtime_checkable
class AttendanceHistory(Protocol):
    def last_on_or_before(self, day: date) -> date | None: ...

    def count_between(self, first: date, last: date) -> int: ...


@dataclass(frozen=True, slots=True)
class AttendanceDates:
    """One local date per attended session, sorted."""

    dates: tuple[date, ...]

    @classmethod
    def of(cls, dates: Iterable[date]) -> AttendanceDates:
        return cls(tuple(sorted(dates)))

    def last_on_or_before(self, day: date) -> date | None:
        position = bisect.bisect_right(self.dates, day)
        return self.dates[position - 1] if position else None

    def count_between(self, first: date, last: date) -> int:
        return bisect.bisect_right(self.dates, last) - bisect.bisect_left(self.dates, first)


@dataclass(frozen=True, slots=True)
class AttendanceSummary:
    """Pre-aggregated: the last attended day up to `as_of` and visit counts for the asked windows."""

    as_of: date
    last_attended_on: date | None
    window_counts: Mapping[tuple[date, date], int] = field(default_factory=dict)

    def last_on_or_before(self, day: date) -> date | None:
        if day != self.as_of:
            raise ValueError(f"this summary was aggregated as of {self.as_of}, not {day}")
        return self.last_attended_on

    def count_between(self, first: date, last: date) -> int:
        try:
            return self.window_counts[(first, last)]
        except KeyError:
            raise ValueError(f"window {first}..{last} was not aggregated for this summary") from None


def as_history(attendance: AttendanceHistory | Iterable[date]) -> AttendanceHistory:
    # Concrete classes first: a runtime Protocol check costs microseconds, and a refresh makes millions.
    if isinstance(attendance, AttendanceDates | AttendanceSummary):
        return attendance
    if isinstance(attendance, AttendanceHistory):
        return attendance
    return AttendanceDates.of(attendance)
