from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from gymloop_notifications.domain.absence import evaluate_absence
from gymloop_notifications.domain.birthday import evaluate_birthday
from gymloop_notifications.domain.errors import DomainError, InvalidFieldsError
from gymloop_notifications.domain.kinds import NotificationKind, NotificationStatus
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.notification import (
    Notification,
    create_custom_notification,
    notification_from_candidate,
)
from gymloop_notifications.domain.reassignment import reassign_open_notifications
from gymloop_notifications.domain.refresh import absences_ended_by_attendance
from gymloop_notifications.domain.settings import AbsenceSettings, BirthdaySettings
from gymloop_notifications.domain.views import employee_dashboard, member_notifications

pytestmark = pytest.mark.unit

MemberBuilder = Callable[..., MemberFacts]
TODAY = date(2026, 6, 13)
NOW = datetime(2026, 6, 13, 1, 0, tzinfo=UTC)
STAFF_ID = UUID(int=99)


def _birthday(member: MemberFacts, n: int = 1) -> Notification:
    candidate = evaluate_birthday(BirthdaySettings(days_before=3), member, TODAY)
    assert candidate is not None
    return notification_from_candidate(candidate, notification_id=UUID(int=n), created_at=NOW)


def _absence(member: MemberFacts, visits: list[date], n: int = 2) -> Notification:
    candidate = evaluate_absence(AbsenceSettings(days=14), member, visits, TODAY)
    assert candidate is not None
    return notification_from_candidate(candidate, notification_id=UUID(int=n), created_at=NOW)


def _custom(member: MemberFacts, *, assignee_id: UUID | None = None, n: int = 3, due: date = TODAY) -> Notification:
    return create_custom_notification(
        notification_id=UUID(int=n),
        studio_id=member.studio_id,
        member_id=member.member_id,
        text="Call about the knee injury",
        due_date=due,
        created_by=STAFF_ID,
        created_at=NOW,
        today=TODAY,
        assignee_id=assignee_id,
        responsible_employee_id=member.responsible_employee_id,
    )


def test_notification_from_candidate_keeps_key_and_json_ready_details(make_member: MemberBuilder) -> None:
    member = make_member(birth_date=date(1990, 6, 15))
    notification = _birthday(member)
    assert notification.kind is NotificationKind.BIRTHDAY
    assert notification.dedupe_key == f"{member.studio_id}/{member.member_id}/birthday/2026"
    assert notification.details == {"birthday": "2026-06-15", "turns": 36, "days_until": 2}
    assert notification.status is NotificationStatus.OPEN
    assert notification.assignee_id == member.responsible_employee_id


def test_mark_done_records_who_and_when_and_is_idempotent(make_member: MemberBuilder) -> None:
    open_one = _birthday(make_member())
    done = open_one.mark_done(by=STAFF_ID, at=NOW)
    assert (done.status, done.done_by, done.done_at) == (NotificationStatus.DONE, STAFF_ID, NOW)
    assert open_one.is_open, "entities are immutable"
    again = done.mark_done(by=UUID(int=5), at=datetime(2026, 6, 14, tzinfo=UTC))
    assert again.done_by == STAFF_ID


def test_resolve_closes_without_a_person_and_keeps_a_done_one(make_member: MemberBuilder) -> None:
    open_one = _absence(make_member(), [date(2026, 5, 1)])
    resolved = open_one.resolve(at=NOW)
    assert (resolved.status, resolved.done_by, resolved.done_at) == (NotificationStatus.DONE, None, NOW)
    done = open_one.mark_done(by=STAFF_ID, at=NOW)
    assert done.resolve(at=datetime(2026, 7, 1, tzinfo=UTC)) is done


def test_snooze_hides_until_the_date_and_it_comes_back_on_it(make_member: MemberBuilder) -> None:
    snoozed = _birthday(make_member()).snooze(until=date(2026, 6, 20), today=TODAY)
    assert not snoozed.is_actionable_on(date(2026, 6, 19))
    assert snoozed.is_actionable_on(date(2026, 6, 20))


@pytest.mark.parametrize("until", [TODAY, date(2026, 6, 1)])
def test_snooze_must_be_in_the_future(make_member: MemberBuilder, until: date) -> None:
    with pytest.raises(DomainError) as raised:
        _birthday(make_member()).snooze(until=until, today=TODAY)
    assert (raised.value.code, raised.value.field) == ("snooze_not_in_future", "snoozed_until")


def test_done_notification_cannot_be_snoozed(make_member: MemberBuilder) -> None:
    done = _birthday(make_member()).mark_done(by=STAFF_ID, at=NOW)
    with pytest.raises(DomainError) as raised:
        done.snooze(until=date(2026, 7, 1), today=TODAY)
    assert raised.value.code == "notification_done"


def test_custom_notification_goes_to_the_responsible_employee_by_default(
    make_member: MemberBuilder, coach_id: UUID, other_coach_id: UUID
) -> None:
    member = make_member()
    default = _custom(member)
    assert default.kind is NotificationKind.CUSTOM
    assert default.assignee_id == coach_id
    assert default.dedupe_key is None
    assert default.created_by == STAFF_ID
    assert default.details == {"text": "Call about the knee injury"}
    assert _custom(member, assignee_id=other_coach_id).assignee_id == other_coach_id


def test_custom_notification_long_text_gets_a_short_title(make_member: MemberBuilder) -> None:
    member = make_member()
    text = "x" * 300 + "\nsecond line"
    created = create_custom_notification(
        notification_id=UUID(int=7),
        studio_id=member.studio_id,
        member_id=member.member_id,
        text=text,
        due_date=TODAY,
        created_by=STAFF_ID,
        created_at=NOW,
        today=TODAY,
    )
    assert len(created.title) == 120
    assert created.title.endswith("…")
    assert created.details["text"] == text


def test_custom_notification_validation_reports_every_field(make_member: MemberBuilder) -> None:
    member = make_member()
    with pytest.raises(InvalidFieldsError) as raised:
        create_custom_notification(
            notification_id=UUID(int=8),
            studio_id=member.studio_id,
            member_id=member.member_id,
            text="   ",
            due_date=date(2026, 6, 12),
            created_by=STAFF_ID,
            created_at=NOW,
            today=TODAY,
        )
    assert set(raised.value.fields) == {"text", "due_date"}
    with pytest.raises(InvalidFieldsError) as too_long:
        _custom_with_text(member, "y" * 1001)
    assert too_long.value.code == "text_too_long"


def _custom_with_text(member: MemberFacts, text: str) -> Notification:
    return create_custom_notification(
        notification_id=UUID(int=9),
        studio_id=member.studio_id,
        member_id=member.member_id,
        text=text,
        due_date=TODAY,
        created_by=STAFF_ID,
        created_at=NOW,
        today=TODAY,
    )


def test_dashboard_lists_open_unsnoozed_notifications_of_the_employee(
    make_member: MemberBuilder, coach_id: UUID, other_coach_id: UUID, studio_id: UUID
) -> None:
    mine = make_member(member_id=UUID(int=101), birth_date=date(1990, 6, 15))
    theirs = make_member(member_id=UUID(int=102), responsible_employee_id=other_coach_id)
    birthday = _birthday(mine, n=1)
    absence = _absence(mine, [date(2026, 5, 1)], n=2)
    done = _custom(mine, n=3).mark_done(by=STAFF_ID, at=NOW)
    snoozed = _custom(mine, n=4).snooze(until=date(2026, 6, 20), today=TODAY)
    colleague = _absence(theirs, [], n=5)
    everything = [birthday, done, snoozed, colleague, absence]
    dashboard = employee_dashboard(everything, studio_id=studio_id, employee_id=coach_id, today=TODAY)
    assert dashboard == [absence, birthday], "most urgent (earliest due) first"
    later = employee_dashboard(everything, studio_id=studio_id, employee_id=coach_id, today=date(2026, 6, 20))
    assert snoozed in later


def test_dashboard_never_shows_another_studio(
    make_member: MemberBuilder, coach_id: UUID, other_studio_id: UUID, studio_id: UUID
) -> None:
    foreign = _absence(make_member(studio_id=other_studio_id), [])
    assert employee_dashboard([foreign], studio_id=studio_id, employee_id=coach_id, today=TODAY) == []


def test_member_overview_lists_all_their_notifications_whoever_is_assigned(
    make_member: MemberBuilder, other_coach_id: UUID, studio_id: UUID
) -> None:
    member = make_member(birth_date=date(1990, 6, 15))
    someone_else = make_member(member_id=UUID(int=55))
    birthday = _birthday(member, n=1)
    done = _absence(member, [date(2026, 5, 1)], n=2).mark_done(by=STAFF_ID, at=NOW)
    colleagues = _custom(member, assignee_id=other_coach_id, n=3, due=date(2026, 7, 1))
    unrelated = _absence(someone_else, [], n=4)
    overview = member_notifications(
        [done, unrelated, colleagues, birthday], studio_id=studio_id, member_id=member.member_id
    )
    assert overview == [birthday, colleagues, done], "open first, then by due date"
    open_only = member_notifications(
        [done, colleagues, birthday], studio_id=studio_id, member_id=member.member_id, include_done=False
    )
    assert open_only == [birthday, colleagues]


def test_changed_responsible_employee_takes_over_open_notifications(
    make_member: MemberBuilder, coach_id: UUID, other_coach_id: UUID, studio_id: UUID
) -> None:
    member = make_member(birth_date=date(1990, 6, 15))
    birthday = _birthday(member, n=1)
    done = _absence(member, [date(2026, 5, 1)], n=2).mark_done(by=STAFF_ID, at=NOW)
    custom_for_coach = _custom(member, n=3)
    custom_for_colleague = _custom(member, assignee_id=UUID(int=77), n=4)
    other_member = _absence(make_member(member_id=UUID(int=56)), [], n=5)
    moved = reassign_open_notifications(
        [birthday, done, custom_for_coach, custom_for_colleague, other_member],
        studio_id=studio_id,
        member_id=member.member_id,
        previous_assignee_id=coach_id,
        new_assignee_id=other_coach_id,
    )
    assert [n.notification_id for n in moved] == [birthday.notification_id, custom_for_coach.notification_id]
    assert all(n.assignee_id == other_coach_id for n in moved)


def test_reassignment_to_the_same_employee_changes_nothing(
    make_member: MemberBuilder, coach_id: UUID, studio_id: UUID
) -> None:
    member = make_member(birth_date=date(1990, 6, 15))
    moved = reassign_open_notifications(
        [_birthday(member)],
        studio_id=studio_id,
        member_id=member.member_id,
        previous_assignee_id=coach_id,
        new_assignee_id=coach_id,
    )
    assert moved == []


def test_attending_again_marks_the_open_absence_as_ended(make_member: MemberBuilder) -> None:
    member = make_member()
    absence = _absence(member, [date(2026, 5, 1)])
    assert absences_ended_by_attendance([absence], [date(2026, 5, 1)], TODAY) == []
    assert absences_ended_by_attendance([absence], [date(2026, 5, 1), TODAY], TODAY) == [absence]
    done = absence.mark_done(by=STAFF_ID, at=NOW)
    assert absences_ended_by_attendance([done], [TODAY], TODAY) == []
