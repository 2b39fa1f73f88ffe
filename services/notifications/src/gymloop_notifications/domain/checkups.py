"""Check-up slots, counted from the member's start date.

Three phases: months 1-3 and months 4-6 each get `n` check-ups spread evenly over their 3 months;
from month 7 on, each following year gets `n` check-ups spread evenly over 12 months. A slot is
due at the end of its share of the phase (3 per quarter: after 1, 2 and 3 months), so the first
check-up comes after the member has had time to settle in. Slots are numbered 1, 2, 3, ...
across phases; the slot index is the dedupe period.

Only the latest due slot raises a notification: a member imported with years of history gets one
check-up to do, not a backlog of every missed one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from gymloop_notifications.domain.calendar_math import add_month_ratio
from gymloop_notifications.domain.candidates import CheckupDetails, NotificationCandidate
from gymloop_notifications.domain.kinds import NotificationKind
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import CheckupSettings


class CheckupPhase(StrEnum):
    MONTHS_1_3 = "months_1_3"
    MONTHS_4_6 = "months_4_6"
    FROM_MONTH_7 = "from_month_7"


@dataclass(frozen=True, slots=True)
class CheckupSlot:
    index: int
    phase: CheckupPhase
    due_on: date


def _phase_slots(start_date: date, phase_start_month: int, phase_months: int, count: int) -> Iterator[tuple[int, date]]:
    for number in range(1, count + 1):
        # phase_start + phase_months * number / count months, as one exact ratio
        yield number, add_month_ratio(start_date, phase_start_month * count + phase_months * number, count)


def checkup_slots(
    settings: CheckupSettings, start_date: date, until: date, *, from_year: int = 0
) -> Iterator[CheckupSlot]:
    """Every slot due on or before `until`, in order.

    `from_year` > 0 skips the slots before that year of the month-7 phase (their indexes still
    count), so a long-standing member costs a constant amount of work.
    """
    per_year = settings.per_year_from_month_7
    if from_year == 0:
        index = 0
        fixed_phases = (
            (CheckupPhase.MONTHS_1_3, 0, settings.per_quarter_months_1_3),
            (CheckupPhase.MONTHS_4_6, 3, settings.per_quarter_months_4_6),
        )
        for phase, first_month, count in fixed_phases:
            for _, due_on in _phase_slots(start_date, first_month, 3, count):
                if due_on > until:
                    return
                index += 1
                yield CheckupSlot(index=index, phase=phase, due_on=due_on)
    else:
        index = settings.per_quarter_months_1_3 + settings.per_quarter_months_4_6 + from_year * per_year
    if per_year == 0:
        return
    year = from_year
    while True:
        for _, due_on in _phase_slots(start_date, 6 + 12 * year, 12, per_year):
            if due_on > until:
                return
            index += 1
            yield CheckupSlot(index=index, phase=CheckupPhase.FROM_MONTH_7, due_on=due_on)
        year += 1


def latest_due_checkup(settings: CheckupSettings, start_date: date, today: date) -> CheckupSlot | None:
    # Members of one studio share start dates and settings: a refresh asks the same question many times.
    return _latest_due_checkup(settings, start_date, today)


@lru_cache(maxsize=65536)
def _latest_due_checkup(settings: CheckupSettings, start_date: date, today: date) -> CheckupSlot | None:
    months_into_month_7_phase = (today.year - start_date.year) * 12 + today.month - start_date.month - 6
    # One year of margin: month-end clamping can make a year of slots end a few days late.
    from_year = max(0, months_into_month_7_phase // 12 - 1) if settings.per_year_from_month_7 else 0
    latest = None
    for slot in checkup_slots(settings, start_date, today, from_year=from_year):
        latest = slot
    return latest


def evaluate_checkup(settings: CheckupSettings, member: MemberFacts, today: date) -> NotificationCandidate | None:
    if not settings.enabled or not member.is_active_on(today):
        return None
    slot = latest_due_checkup(settings, member.start_date, today)
    if slot is None:
        return None
    return NotificationCandidate(
        studio_id=member.studio_id,
        member_id=member.member_id,
        assignee_id=member.responsible_employee_id,
        kind=NotificationKind.CHECKUP,
        period=f"slot-{slot.index}",
        due_date=slot.due_on,
        title=f"Check-up {slot.index} with {member.display_name} is due",
        details=CheckupDetails(
            slot_index=slot.index,
            phase=slot.phase.value,
            slot_due_on=slot.due_on,
            member_since=member.start_date,
        ),
    )
