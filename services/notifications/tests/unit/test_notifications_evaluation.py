from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest
from gymloop_notifications.domain.candidates import dedupe_key
from gymloop_notifications.domain.errors import DomainError
from gymloop_notifications.domain.evaluation import (
    MemberAttendance,
    evaluate_attendance_rules,
    evaluate_member,
    evaluate_studio,
)
from gymloop_notifications.domain.kinds import NotificationKind
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.refresh import plan_refresh
from gymloop_notifications.domain.settings import NotificationSettings
from gymloop_notifications.domain.trend import TrendWindows

pytestmark = pytest.mark.unit

MemberBuilder = Callable[..., MemberFacts]
TODAY = date(2026, 6, 13)


@pytest.fixture
def busy_member(make_member: MemberBuilder) -> MemberFacts:
    """Birthday in two days, check-up due, absent for 20 days after dropping off."""
    return make_member(birth_date=date(1990, 6, 15), start_date=date(2025, 1, 6))


def _dropped_off() -> list[date]:
    w = TrendWindows.ending(TODAY, 21)
    return [w.previous_start, w.previous_start, w.previous_end, w.previous_end]


def test_every_rule_contributes_its_candidate(settings: NotificationSettings, busy_member: MemberFacts) -> None:
    candidates = evaluate_member(settings, busy_member, _dropped_off(), TODAY)
    assert {c.kind for c in candidates} == {
        NotificationKind.BIRTHDAY,
        NotificationKind.ABSENCE,
        NotificationKind.DOWNWARD_TREND,
        NotificationKind.CHECKUP,
    }
    assert all(c.member_id == busy_member.member_id for c in candidates)
    assert all(c.assignee_id == busy_member.responsible_employee_id for c in candidates)


def test_evaluating_twice_yields_the_same_candidates_and_keys(
    settings: NotificationSettings, busy_member: MemberFacts
) -> None:
    first = evaluate_member(settings, busy_member, _dropped_off(), TODAY)
    second = evaluate_member(settings, busy_member, _dropped_off(), TODAY)
    assert first == second
    assert len({c.dedupe_key for c in first}) == len(first)


def test_second_refresh_creates_nothing_new(settings: NotificationSettings, busy_member: MemberFacts) -> None:
    first_plan = plan_refresh(evaluate_member(settings, busy_member, _dropped_off(), TODAY), existing_keys=())
    stored_keys = {c.dedupe_key for c in first_plan.to_create}
    assert len(stored_keys) == 4
    second_plan = plan_refresh(evaluate_member(settings, busy_member, _dropped_off(), TODAY), stored_keys)
    assert second_plan.to_create == ()
    assert set(second_plan.skipped_keys) == stored_keys


def test_refresh_plan_drops_duplicates_within_one_batch(
    settings: NotificationSettings, busy_member: MemberFacts
) -> None:
    candidates = evaluate_member(settings, busy_member, _dropped_off(), TODAY)
    plan = plan_refresh([*candidates, *candidates], existing_keys=())
    assert plan.to_create == tuple(candidates)


def test_dedupe_key_names_studio_member_kind_and_period(studio_id: UUID, member_id: UUID) -> None:
    key = dedupe_key(studio_id, member_id, NotificationKind.BIRTHDAY, "2026")
    assert key == f"{studio_id}/{member_id}/birthday/2026"
    assert key != dedupe_key(studio_id, member_id, NotificationKind.BIRTHDAY, "2027")


def test_archived_member_gets_nothing(settings: NotificationSettings, make_member: MemberBuilder) -> None:
    archived = make_member(archived=True, birth_date=date(1990, 6, 15))
    assert evaluate_member(settings, archived, _dropped_off(), TODAY) == []


def test_disabled_kinds_are_left_out(settings: NotificationSettings, busy_member: MemberFacts) -> None:
    quiet = settings.updated({"birthday": {"enabled": False}, "checkups": {"enabled": False}})
    kinds = {c.kind for c in evaluate_member(quiet, busy_member, _dropped_off(), TODAY)}
    assert kinds == {NotificationKind.ABSENCE, NotificationKind.DOWNWARD_TREND}


def test_attendance_rules_cover_only_absence_and_trends(
    settings: NotificationSettings, busy_member: MemberFacts
) -> None:
    kinds = {c.kind for c in evaluate_attendance_rules(settings, busy_member, _dropped_off(), TODAY)}
    assert kinds == {NotificationKind.ABSENCE, NotificationKind.DOWNWARD_TREND}


def test_attendance_event_today_ends_the_absence(settings: NotificationSettings, busy_member: MemberFacts) -> None:
    visits = [*_dropped_off(), TODAY]
    kinds = {c.kind for c in evaluate_attendance_rules(settings, busy_member, visits, TODAY)}
    assert NotificationKind.ABSENCE not in kinds


def test_another_studios_member_is_refused(
    settings: NotificationSettings, make_member: MemberBuilder, other_studio_id: UUID
) -> None:
    stranger = make_member(studio_id=other_studio_id)
    with pytest.raises(DomainError) as raised:
        evaluate_member(settings, stranger, [], TODAY)
    assert (raised.value.code, raised.value.field) == ("studio_mismatch", "studio_id")
    with pytest.raises(DomainError):
        evaluate_attendance_rules(settings, stranger, [], TODAY)


def test_studio_evaluation_covers_every_member(settings: NotificationSettings, make_member: MemberBuilder) -> None:
    absent = make_member(member_id=UUID(int=1), birth_date=None, start_date=date(2026, 5, 1))
    regular = make_member(member_id=UUID(int=2), birth_date=None, start_date=date(2026, 5, 1))
    regular_visits = [date(2026, 6, d) for d in (2, 5, 9, 12)]
    candidates = evaluate_studio(
        settings,
        [MemberAttendance(absent), MemberAttendance(regular, regular_visits)],
        TODAY,
    )
    by_member = {(c.member_id, c.kind) for c in candidates}
    assert (absent.member_id, NotificationKind.ABSENCE) in by_member
    assert (regular.member_id, NotificationKind.ABSENCE) not in by_member
