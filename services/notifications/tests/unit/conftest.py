"""Shared builders for the notifications unit tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import NotificationSettings

STUDIO_ID = UUID("00000000-0000-7000-8000-000000000001")
OTHER_STUDIO_ID = UUID("00000000-0000-7000-8000-000000000002")
MEMBER_ID = UUID("00000000-0000-7000-8000-0000000000a1")
COACH_ID = UUID("00000000-0000-7000-8000-0000000000c1")
OTHER_COACH_ID = UUID("00000000-0000-7000-8000-0000000000c2")

MemberBuilder = Callable[..., MemberFacts]


@pytest.fixture
def make_member() -> MemberBuilder:
    def build(**overrides: Any) -> MemberFacts:
        values: dict[str, Any] = {
            "studio_id": STUDIO_ID,
            "member_id": MEMBER_ID,
            "display_name": "Sanne de Vries",
            "start_date": date(2025, 1, 6),
            "birth_date": date(1990, 6, 15),
            "responsible_employee_id": COACH_ID,
            "archived": False,
        }
        values.update(overrides)
        return MemberFacts(**values)

    return build


@pytest.fixture
def settings() -> NotificationSettings:
    return NotificationSettings.defaults(STUDIO_ID)


def _weekly_visits(first_day: date, last_day: date, per_week: int) -> list[date]:
    """`per_week` visits in every 7-day block from first_day (Mon, then Thu if twice, ...)."""
    offsets = {1: (0,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 1, 3, 5)}[per_week]
    visits = []
    block_start = first_day
    while block_start <= last_day:
        visits.extend(block_start + timedelta(days=o) for o in offsets if block_start + timedelta(days=o) <= last_day)
        block_start += timedelta(days=7)
    return visits


@pytest.fixture
def weekly_visits() -> Callable[[date, date, int], list[date]]:
    return _weekly_visits


@pytest.fixture
def studio_id() -> UUID:
    return STUDIO_ID


@pytest.fixture
def other_studio_id() -> UUID:
    return OTHER_STUDIO_ID


@pytest.fixture
def member_id() -> UUID:
    return MEMBER_ID


@pytest.fixture
def coach_id() -> UUID:
    return COACH_ID


@pytest.fixture
def other_coach_id() -> UUID:
    return OTHER_COACH_ID
