"""Birthday rule: warn `days_before` days ahead of a member's birthday.

29 February birthdays are celebrated on 28 February in non-leap years (still in February, and
the day the member usually celebrates in the Netherlands and most of Europe).
"""

from __future__ import annotations

import calendar
from datetime import date

from gymloop_notifications.domain.candidates import BirthdayDetails, NotificationCandidate
from gymloop_notifications.domain.kinds import NotificationKind
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import BirthdaySettings


def birthday_in_year(birth_date: date, year: int) -> date:
    if birth_date.month == 2 and birth_date.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return birth_date.replace(year=year)


def next_birthday(birth_date: date, today: date) -> date:
    """The first birthday on or after today (today's own birthday counts)."""
    this_year = birthday_in_year(birth_date, today.year)
    return this_year if this_year >= today else birthday_in_year(birth_date, today.year + 1)


def evaluate_birthday(settings: BirthdaySettings, member: MemberFacts, today: date) -> NotificationCandidate | None:
    if not settings.enabled or not member.is_active_on(today) or member.birth_date is None:
        return None
    birthday = next_birthday(member.birth_date, today)
    turns = birthday.year - member.birth_date.year
    days_until = (birthday - today).days
    if turns < 1 or days_until > settings.days_before:
        return None
    when = "today" if days_until == 0 else f"on {birthday.isoformat()}"
    return NotificationCandidate(
        studio_id=member.studio_id,
        member_id=member.member_id,
        assignee_id=member.responsible_employee_id,
        kind=NotificationKind.BIRTHDAY,
        # One birthday per year: the year of the birthday itself (a late-December refresh for a
        # 2 January birthday already belongs to next year).
        period=str(birthday.year),
        due_date=birthday,
        title=f"{member.display_name} turns {turns} {when}",
        details=BirthdayDetails(birthday=birthday, turns=turns, days_until=days_until),
    )
