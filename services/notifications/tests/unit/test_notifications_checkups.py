from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from fractions import Fraction

import pytest
from gymloop_notifications.domain.calendar_math import add_month_fraction, add_months
from gymloop_notifications.domain.candidates import CheckupDetails
from gymloop_notifications.domain.checkups import (
    CheckupPhase,
    CheckupSlot,
    checkup_slots,
    evaluate_checkup,
    latest_due_checkup,
)
from gymloop_notifications.domain.kinds import NotificationKind
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import CheckupSettings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

pytestmark = pytest.mark.unit

MemberBuilder = Callable[..., MemberFacts]
START = date(2026, 1, 15)
DEFAULTS = CheckupSettings()  # 3 per quarter, 2 per quarter, 4 per year


def test_add_months_clamps_to_month_end_without_drift() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 2) == date(2026, 3, 31)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_fractional_months_take_a_share_of_the_following_month() -> None:
    assert add_month_fraction(date(2026, 1, 15), Fraction(3, 2)) == date(2026, 3, 1)  # Feb 15 + 14 of 28 days
    assert add_month_fraction(date(2026, 1, 15), Fraction(2)) == date(2026, 3, 15)


def test_months_1_to_3_with_three_checkups_are_monthly() -> None:
    slots = list(checkup_slots(DEFAULTS, START, until=date(2026, 4, 15)))
    assert slots == [
        CheckupSlot(1, CheckupPhase.MONTHS_1_3, date(2026, 2, 15)),
        CheckupSlot(2, CheckupPhase.MONTHS_1_3, date(2026, 3, 15)),
        CheckupSlot(3, CheckupPhase.MONTHS_1_3, date(2026, 4, 15)),
    ]


def test_months_4_to_6_with_two_checkups_are_every_month_and_a_half() -> None:
    slots = [s for s in checkup_slots(DEFAULTS, START, until=date(2026, 7, 15)) if s.phase is CheckupPhase.MONTHS_4_6]
    # 4.5 months: 15 May + 15 of the 31 days to 15 June; 6 months: 15 July.
    assert slots == [
        CheckupSlot(4, CheckupPhase.MONTHS_4_6, date(2026, 5, 30)),
        CheckupSlot(5, CheckupPhase.MONTHS_4_6, date(2026, 7, 15)),
    ]


def test_from_month_7_four_a_year_are_quarterly_and_repeat_every_year() -> None:
    slots = [
        s for s in checkup_slots(DEFAULTS, START, until=date(2027, 10, 15)) if s.phase is CheckupPhase.FROM_MONTH_7
    ]
    assert [(s.index, s.due_on) for s in slots] == [
        (6, date(2026, 10, 15)),
        (7, date(2027, 1, 15)),
        (8, date(2027, 4, 15)),
        (9, date(2027, 7, 15)),
        (10, date(2027, 10, 15)),
    ]


def test_one_per_quarter_is_due_at_the_end_of_each_quarter() -> None:
    settings = CheckupSettings(per_quarter_months_1_3=1, per_quarter_months_4_6=1, per_year_from_month_7=1)
    slots = list(checkup_slots(settings, START, until=date(2028, 1, 15)))
    assert [(s.index, s.phase, s.due_on) for s in slots] == [
        (1, CheckupPhase.MONTHS_1_3, date(2026, 4, 15)),
        (2, CheckupPhase.MONTHS_4_6, date(2026, 7, 15)),
        (3, CheckupPhase.FROM_MONTH_7, date(2027, 7, 15)),
    ]


def test_a_phase_with_zero_checkups_is_skipped_and_indexes_continue() -> None:
    settings = CheckupSettings(per_quarter_months_1_3=0, per_quarter_months_4_6=3, per_year_from_month_7=0)
    slots = list(checkup_slots(settings, START, until=date(2030, 1, 1)))
    assert [(s.index, s.phase, s.due_on) for s in slots] == [
        (1, CheckupPhase.MONTHS_4_6, date(2026, 5, 15)),
        (2, CheckupPhase.MONTHS_4_6, date(2026, 6, 15)),
        (3, CheckupPhase.MONTHS_4_6, date(2026, 7, 15)),
    ]


def test_month_end_start_date_keeps_month_ends() -> None:
    slots = list(checkup_slots(DEFAULTS, date(2026, 1, 31), until=date(2026, 4, 30)))
    assert [s.due_on for s in slots] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


@pytest.mark.parametrize(
    "settings",
    [
        DEFAULTS,
        CheckupSettings(per_quarter_months_1_3=2, per_quarter_months_4_6=0, per_year_from_month_7=52),
        CheckupSettings(per_quarter_months_1_3=0, per_quarter_months_4_6=0, per_year_from_month_7=5),
    ],
)
@pytest.mark.parametrize("start", [date(2019, 1, 31), date(2020, 2, 29), date(2021, 8, 30)])
def test_latest_due_slot_for_long_standing_members_matches_walking_every_slot(
    settings: CheckupSettings, start: date
) -> None:
    for today in (date(2026, 3, 1), date(2026, 8, 31), date(2026, 12, 31), date(2027, 2, 28)):
        walked = list(checkup_slots(settings, start, today))
        assert latest_due_checkup(settings, start, today) == walked[-1]


def test_no_slot_is_due_before_the_first_one() -> None:
    assert latest_due_checkup(DEFAULTS, START, date(2026, 2, 14)) is None
    assert latest_due_checkup(DEFAULTS, START, date(2026, 2, 15)) == CheckupSlot(
        1, CheckupPhase.MONTHS_1_3, date(2026, 2, 15)
    )


def test_checkup_candidate_is_keyed_by_the_slot_index(make_member: MemberBuilder) -> None:
    member = make_member(start_date=START)
    candidate = evaluate_checkup(DEFAULTS, member, date(2026, 3, 20))
    assert candidate is not None
    assert candidate.kind is NotificationKind.CHECKUP
    assert candidate.period == "slot-2"
    assert candidate.due_date == date(2026, 3, 15)
    assert candidate.details == CheckupDetails(
        slot_index=2, phase="months_1_3", slot_due_on=date(2026, 3, 15), member_since=START
    )
    same_slot_later = evaluate_checkup(DEFAULTS, member, date(2026, 4, 14))
    assert same_slot_later is not None
    assert same_slot_later.dedupe_key == candidate.dedupe_key
    next_slot = evaluate_checkup(DEFAULTS, member, date(2026, 4, 15))
    assert next_slot is not None
    assert next_slot.period == "slot-3"


def test_long_standing_member_gets_only_the_latest_slot(make_member: MemberBuilder) -> None:
    member = make_member(start_date=date(2015, 5, 1))
    candidate = evaluate_checkup(DEFAULTS, member, date(2026, 6, 1))
    assert candidate is not None
    # 5 slots in months 1-6, then 4 a year from 1 Nov 2015: the one of 1 May 2026 is number 5 + 42.
    assert candidate.due_date == date(2026, 5, 1)
    assert candidate.period == "slot-47"


def test_archived_new_or_disabled_raise_no_checkup(make_member: MemberBuilder) -> None:
    today = date(2026, 6, 1)
    assert evaluate_checkup(DEFAULTS, make_member(archived=True, start_date=START), today) is None
    assert evaluate_checkup(DEFAULTS, make_member(start_date=today + timedelta(days=1)), today) is None
    assert evaluate_checkup(CheckupSettings(enabled=False), make_member(start_date=START), today) is None


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2026, 1, 1)),
    days_later=st.integers(min_value=0, max_value=365 * 12),
    counts=st.tuples(st.integers(0, 13), st.integers(0, 13), st.integers(0, 52)),
)
def test_latest_due_slot_shortcut_agrees_with_walking_all_slots(
    start: date, days_later: int, counts: tuple[int, int, int]
) -> None:
    config = CheckupSettings(
        per_quarter_months_1_3=counts[0], per_quarter_months_4_6=counts[1], per_year_from_month_7=counts[2]
    )
    today = start + timedelta(days=days_later)
    walked = list(checkup_slots(config, start, today))
    assert latest_due_checkup(config, start, today) == (walked[-1] if walked else None)
    assert [s.index for s in walked] == list(range(1, len(walked) + 1))
    assert all(a.due_on <= b.due_on for a, b in itertools.pairwise(walked))
