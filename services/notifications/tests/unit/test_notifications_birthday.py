from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from gymloop_notifications.domain.birthday import birthday_in_year, evaluate_birthday, next_birthday
from gymloop_notifications.domain.candidates import BirthdayDetails
from gymloop_notifications.domain.kinds import NotificationKind
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import BirthdaySettings

pytestmark = pytest.mark.unit

MemberBuilder = Callable[..., MemberFacts]
THREE_DAYS = BirthdaySettings(days_before=3)


def test_birthday_within_the_lead_days_raises_a_notification(make_member: MemberBuilder) -> None:
    member = make_member(birth_date=date(1990, 6, 15))
    candidate = evaluate_birthday(THREE_DAYS, member, today=date(2026, 6, 12))
    assert candidate is not None
    assert candidate.kind is NotificationKind.BIRTHDAY
    assert candidate.due_date == date(2026, 6, 15)
    assert candidate.period == "2026"
    assert candidate.assignee_id == member.responsible_employee_id
    assert candidate.details == BirthdayDetails(birthday=date(2026, 6, 15), turns=36, days_until=3)
    assert "turns 36" in candidate.title


@pytest.mark.parametrize(
    ("today", "raised"),
    [
        (date(2026, 6, 11), False),  # 4 days ahead: too early
        (date(2026, 6, 12), True),
        (date(2026, 6, 15), True),  # the day itself
        (date(2026, 6, 16), False),  # past: next one is a year away
    ],
)
def test_lead_window_boundaries(make_member: MemberBuilder, today: date, raised: bool) -> None:
    member = make_member(birth_date=date(1990, 6, 15))
    assert (evaluate_birthday(THREE_DAYS, member, today) is not None) is raised


def test_zero_days_before_means_on_the_day_only(make_member: MemberBuilder) -> None:
    member = make_member(birth_date=date(1990, 6, 15))
    on_the_day = BirthdaySettings(days_before=0)
    assert evaluate_birthday(on_the_day, member, date(2026, 6, 14)) is None
    candidate = evaluate_birthday(on_the_day, member, date(2026, 6, 15))
    assert candidate is not None
    assert candidate.title.endswith("today")


def test_leap_day_birthday_is_celebrated_on_28_february_in_common_years() -> None:
    leap_born = date(2000, 2, 29)
    assert birthday_in_year(leap_born, 2026) == date(2026, 2, 28)
    assert birthday_in_year(leap_born, 2028) == date(2028, 2, 29)
    assert next_birthday(leap_born, date(2026, 3, 1)) == date(2027, 2, 28)


def test_leap_day_member_is_notified_before_28_february(make_member: MemberBuilder) -> None:
    member = make_member(birth_date=date(2000, 2, 29))
    candidate = evaluate_birthday(THREE_DAYS, member, today=date(2026, 2, 25))
    assert candidate is not None
    assert candidate.due_date == date(2026, 2, 28)
    assert candidate.period == "2026"
    leap_year = evaluate_birthday(THREE_DAYS, member, today=date(2028, 2, 26))
    assert leap_year is not None
    assert leap_year.due_date == date(2028, 2, 29)


def test_birthday_early_january_seen_in_december_belongs_to_next_year(make_member: MemberBuilder) -> None:
    member = make_member(birth_date=date(1985, 1, 2))
    candidate = evaluate_birthday(BirthdaySettings(days_before=7), member, today=date(2026, 12, 29))
    assert candidate is not None
    assert candidate.due_date == date(2027, 1, 2)
    assert candidate.period == "2027"
    assert candidate.details == BirthdayDetails(birthday=date(2027, 1, 2), turns=42, days_until=4)


@pytest.mark.parametrize(
    "overrides",
    [
        {"archived": True},
        {"birth_date": None},
        {"start_date": date(2026, 7, 1)},  # not a member yet
    ],
)
def test_no_birthday_notification_without_an_active_member_with_a_birth_date(
    make_member: MemberBuilder, overrides: dict[str, Any]
) -> None:
    member = make_member(**{"birth_date": date(1990, 6, 15), **overrides})
    assert evaluate_birthday(THREE_DAYS, member, date(2026, 6, 14)) is None


def test_disabled_birthday_raises_nothing(make_member: MemberBuilder) -> None:
    member = make_member(birth_date=date(1990, 6, 15))
    assert evaluate_birthday(BirthdaySettings(enabled=False), member, date(2026, 6, 15)) is None


def test_day_of_birth_itself_is_not_a_birthday(make_member: MemberBuilder) -> None:
    member = make_member(birth_date=date(2026, 6, 15), start_date=date(2026, 1, 1))
    assert evaluate_birthday(THREE_DAYS, member, date(2026, 6, 14)) is None
