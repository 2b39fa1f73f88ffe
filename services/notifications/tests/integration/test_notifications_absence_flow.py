"""Must show: attendance events lead to one absence notification for the right employee, still one after
a redelivery and a second refresh; events leave through the outbox once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_contracts import wrap
from gymloop_contracts.events.bookings import AttendanceRecorded
from gymloop_contracts.events.members import MemberArchived, MemberRegistered, ResponsibleEmployeeAssigned
from gymloop_contracts.events.notifications import MemberInactive, NotificationRaised
from gymloop_devstack.testing import EventProbe, eventually
from gymloop_kit.db import Database
from sqlalchemy import text

pytestmark = pytest.mark.integration


async def _member_items(service, member_id: uuid.UUID, headers: dict[str, str]) -> list[dict]:
    """The member's notifications; none while notifications has not yet learnt the member (404 until then)."""
    answer = await service.get(f"/members/{member_id}/notifications", headers=headers)
    if answer.status_code == 404:
        return []
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _member(member_id: uuid.UUID, coach: uuid.UUID, start: date) -> MemberRegistered:
    return MemberRegistered(
        member_id=member_id,
        account_id=uuid.uuid4(),
        first_name="Sanne",
        last_name="de Vries",
        email="sanne@example.com",
        start_date=start,
        responsible_employee_id=coach,
    )


def _attended(member_id: uuid.UUID, at: datetime) -> AttendanceRecorded:
    return AttendanceRecorded(
        booking_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        member_id=member_id,
        location_id=uuid.uuid4(),
        session_type_id=uuid.uuid4(),
        starts_at=at,
        status="attended",
    )


async def test_attendance_events_raise_one_absence_for_the_responsible_employee(
    service, tokens, send_envelope, refresh_now
) -> None:
    studio, member_id, coach, other_coach = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    kafka = service.kafka
    now = datetime.now(UTC)
    coach_headers = tokens.headers(studio_id=studio, role="employee", member_id=coach)
    other_headers = tokens.headers(studio_id=studio, role="employee", member_id=other_coach)

    async with EventProbe.for_events(kafka, NotificationRaised, MemberInactive) as probe:
        registered = wrap(
            _member(member_id, coach, date(2025, 1, 6)),
            studio_id=studio,
            producer="members",
            correlation_id="t",
            sequence=1,
        )
        await send_envelope(kafka, registered)
        # The last visit was 20 days ago (longer than the default 14); older visits arrive late, after it.
        visits = [
            wrap(
                _attended(member_id, now - timedelta(days=d)),
                studio_id=studio,
                producer="bookings",
                correlation_id="t",
                sequence=1,
            )
            for d in (20, 27, 24)
        ]
        for envelope in visits:
            await send_envelope(kafka, envelope)

        async def absence_on_dashboard() -> list[dict]:
            items = (await service.get("/dashboard", headers=coach_headers)).json()["items"]
            return [n for n in items if n["kind"] == "absence"]

        found = await eventually(absence_on_dashboard, timeout_s=30)
        assert len(found) == 1
        assert found[0]["member_id"] == str(member_id)
        assert found[0]["assignee_id"] == str(coach)
        assert found[0]["details"]["days_absent"] == 20

        # Redeliveries of the attendance events and two refreshes change nothing.
        for envelope in visits:
            await send_envelope(kafka, envelope, times=2)
        for _ in range(2):
            await refresh_now(service, coach_headers)
        await probe.wait_for(lambda evs: len(evs) >= 2, settle_s=3.0)

        overview = await _member_items(service, member_id, coach_headers)
        assert [n["kind"] for n in overview].count("absence") == 1
        raised = [e for e in probe.of_type(NotificationRaised) if e.payload["kind"] == "absence"]
        assert len(raised) == 1
        assert raised[0].payload["assignee_id"] == str(coach)
        inactive = probe.of_type(MemberInactive)
        assert len(inactive) == 1
        assert inactive[0].payload["days_absent"] == 20
        assert inactive[0].studio_id == studio

        # The responsible employee changes: the open notification moves with the member.
        assigned = wrap(
            ResponsibleEmployeeAssigned(member_id=member_id, employee_id=other_coach, previous_employee_id=coach),
            studio_id=studio,
            producer="members",
            correlation_id="t",
            sequence=2,
        )
        await send_envelope(kafka, assigned)

        async def moved() -> bool:
            mine = (await service.get("/dashboard", headers=other_headers)).json()["items"]
            return any(n["kind"] == "absence" for n in mine)

        await eventually(moved, timeout_s=20)
        assert not await absence_on_dashboard()


async def test_another_studio_sees_none_of_it(service, tokens, send_envelope, refresh_now) -> None:
    studio, member_id, coach = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    kafka = service.kafka
    await send_envelope(
        kafka,
        wrap(
            _member(member_id, coach, date(2025, 1, 6)),
            studio_id=studio,
            producer="members",
            correlation_id="t",
            sequence=1,
        ),
    )
    staff = tokens.headers(studio_id=studio, role="employee", member_id=coach)

    async def raised() -> list[dict]:
        await refresh_now(service, staff)
        return await _member_items(service, member_id, staff)

    items = await eventually(raised, timeout_s=30)
    intruder = tokens.headers(studio_id=uuid.uuid4(), role="admin", member_id=coach)
    not_theirs = await service.get(f"/members/{member_id}/notifications", headers=intruder)
    assert (not_theirs.status_code, not_theirs.json()["code"]) == (404, "member_not_found")
    assert (await service.get("/dashboard", headers=intruder)).json()["items"] == []
    some_id = items[0]["notification_id"]
    assert (await service.post(f"/notifications/{some_id}/done", headers=intruder)).status_code == 404
    snoozed = await service.post(f"/notifications/{some_id}/snooze", headers=intruder, json={"until": "2099-01-01"})
    assert snoozed.status_code == 404
    done = await service.post(f"/notifications/{some_id}/done", headers=staff)
    assert done.status_code == 200
    assert done.json()["status"] == "done"


async def test_archiving_a_member_closes_their_open_notifications(service, tokens, send_envelope, refresh_now) -> None:
    studio, member_id, coach = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    kafka = service.kafka
    staff = tokens.headers(studio_id=studio, role="employee", member_id=coach)
    await send_envelope(
        kafka,
        wrap(
            _member(member_id, coach, date(2025, 1, 6)),
            studio_id=studio,
            producer="members",
            correlation_id="t",
            sequence=1,
        ),
    )

    async def open_ones() -> list[dict]:
        await refresh_now(service, staff)
        items = await _member_items(service, member_id, staff)
        return [n for n in items if n["status"] == "open"]

    assert await eventually(open_ones, timeout_s=30)
    await send_envelope(
        kafka,
        wrap(
            MemberArchived(member_id=member_id, reason="moved"),
            studio_id=studio,
            producer="members",
            correlation_id="t",
            sequence=2,
        ),
    )

    async def all_closed() -> bool:
        items = await _member_items(service, member_id, staff)
        return bool(items) and all(n["status"] == "done" for n in items)

    assert await eventually(all_closed, timeout_s=30)
    assert (await refresh_now(service, staff))["members_evaluated"] == 0


async def test_attending_again_closes_the_open_absence(service, tokens, send_envelope) -> None:
    studio, member_id, coach = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    kafka = service.kafka
    now = datetime.now(UTC)
    staff = tokens.headers(studio_id=studio, role="employee", member_id=coach)
    await send_envelope(
        kafka,
        wrap(
            _member(member_id, coach, date(2025, 1, 6)),
            studio_id=studio,
            producer="members",
            correlation_id="t",
            sequence=1,
        ),
    )
    await send_envelope(
        kafka,
        wrap(
            _attended(member_id, now - timedelta(days=30)),
            studio_id=studio,
            producer="bookings",
            correlation_id="t",
            sequence=1,
        ),
    )

    async def statuses() -> list[str]:
        items = await _member_items(service, member_id, staff)
        return [n["status"] for n in items if n["kind"] == "absence"]

    assert await eventually(lambda: _eq(statuses(), ["open"]), timeout_s=30)
    await send_envelope(
        kafka,
        wrap(
            _attended(member_id, now - timedelta(hours=1)),
            studio_id=studio,
            producer="bookings",
            correlation_id="t",
            sequence=1,
        ),
    )
    assert await eventually(lambda: _eq(statuses(), ["done"]), timeout_s=30)
    assert [n for n in (await service.get("/dashboard", headers=staff)).json()["items"] if n["kind"] == "absence"] == []


async def _eq(awaitable, expected) -> bool:
    return (await awaitable) == expected


async def test_attendance_that_arrives_before_the_member_is_evaluated_when_the_member_arrives(
    service, tokens, send_envelope
) -> None:
    """Attendance and profiles travel on different topics: either can arrive first."""
    studio, member_id, coach = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee", member_id=coach)
    attended = wrap(
        _attended(member_id, datetime.now(UTC) - timedelta(days=30)),
        studio_id=studio, producer="bookings", correlation_id="t", sequence=1,
    )  # fmt: skip
    await send_envelope(service.kafka, attended)

    database = Database(service.database_url)

    async def attendance_kept() -> bool:
        async with database.transaction() as session:
            query = text("SELECT count(*) FROM attendance WHERE member_id = :m")
            return (await session.execute(query, {"m": member_id})).scalar_one() == 1

    try:
        assert await eventually(attendance_kept, timeout_s=30), "the attendance is applied before the profile"
    finally:
        await database.dispose()
    items = await _member_items(service, member_id, staff)
    assert items == [], "nothing can be raised for a member not known yet"
    member = wrap(
        _member(member_id, coach, date(2025, 1, 6)), studio_id=studio, producer="members", correlation_id="t",
        sequence=1,
    )  # fmt: skip
    await send_envelope(service.kafka, member)

    async def absence_raised() -> bool:
        items = await _member_items(service, member_id, staff)
        return [n["status"] for n in items if n["kind"] == "absence"] == ["open"]

    assert await eventually(absence_raised, timeout_s=30)
