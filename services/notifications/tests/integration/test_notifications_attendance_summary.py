"""The attendance summaries follow every attendance change, and a refresh asked for runs as a job.

On the service's own migrated database: the per-day visits and each member's last day always equal what the
attendance rows say (rebuilt from them), through new attendance, a redelivered status, a status that flips and
a booking moved to another day; the refresh reads them and raises what the raw rows would have raised."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from gymloop_kit.db import Database
from gymloop_notifications.service import attendance_summary, refresh_jobs
from gymloop_notifications.service.refresh import record_attendance, refresh_studio
from gymloop_notifications.service.refresh_jobs import REFRESH_JOBS
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
SUMMARY = (
    "SELECT member_id, attended_on, visits FROM attendance_day WHERE studio_id = :s ORDER BY 1, 2",
    "SELECT member_id, last_attended_on FROM attendance_member WHERE studio_id = :s ORDER BY 1",
)


async def _read(session: AsyncSession, studio: uuid.UUID) -> tuple[list[tuple], ...]:
    return tuple([[tuple(r) for r in (await session.execute(text(sql), {"s": studio})).all()] for sql in SUMMARY])


async def _summary(database: Database, studio: uuid.UUID) -> tuple[list[tuple], ...]:
    async with database.transaction() as session:
        return await _read(session, studio)


async def _rebuilt(database: Database, studio: uuid.UUID) -> tuple[list[tuple], ...]:
    """What the rows say: rebuild inside a transaction that is rolled back, so the kept summary stays."""
    async with database.engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(bind=connection)
        await attendance_summary.rebuild(session, studio)
        result = await _read(session, studio)
        await session.close()
        await transaction.rollback()
    return result


async def _member(database: Database, studio: uuid.UUID, member: uuid.UUID, start: date) -> None:
    async with database.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO member (studio_id, member_id, display_name, start_date, responsible_employee_id)"
                " VALUES (:s, :m, 'Noor', :start, :coach)"
            ),
            {"s": studio, "m": member, "start": start, "coach": uuid.uuid4()},
        )


async def test_summaries_follow_new_redelivered_flipped_and_moved_attendance(new_database) -> None:
    database = Database(await new_database(MIGRATIONS, prefix="notifications"))
    studio, alice, bob = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday morning in Amsterdam, the default zone
    bookings = [uuid.uuid4() for _ in range(4)]
    changes = [
        (bookings[0], alice, at, True),
        (bookings[1], alice, at + timedelta(hours=2), True),  # the same day twice
        (bookings[2], alice, at + timedelta(days=3), True),
        (bookings[0], alice, at, True),  # redelivered: nothing changes
        (bookings[3], bob, at + timedelta(days=1), True),
        (bookings[2], alice, at + timedelta(days=3), False),  # marked absent after all: the last day goes back
        (bookings[3], bob, at + timedelta(days=5), True),  # the session moved: the visit moves with it
    ]
    expected_after = [
        ([(alice, date(2026, 3, 2), 1)], [(alice, date(2026, 3, 2))]),
        ([(alice, date(2026, 3, 2), 2)], [(alice, date(2026, 3, 2))]),
        ([(alice, date(2026, 3, 2), 2), (alice, date(2026, 3, 5), 1)], [(alice, date(2026, 3, 5))]),
        ([(alice, date(2026, 3, 2), 2), (alice, date(2026, 3, 5), 1)], [(alice, date(2026, 3, 5))]),
        None,
        None,
        None,
    ]
    try:
        for (booking, member, attended_at, attended), expected in zip(changes, expected_after, strict=True):
            async with database.transaction() as session:
                await record_attendance(
                    session, studio, booking_id=booking, member_id=member, attended_at=attended_at,
                    attended=attended, now=now,
                )  # fmt: skip
            kept = await _summary(database, studio)
            assert kept == await _rebuilt(database, studio)
            if expected is not None:
                assert kept == expected
        days, last = await _summary(database, studio)
        assert sorted(days) == sorted([(alice, date(2026, 3, 2), 2), (bob, date(2026, 3, 7), 1)])
        assert sorted(last) == sorted([(alice, date(2026, 3, 2)), (bob, date(2026, 3, 7))])
    finally:
        await database.dispose()


async def test_the_refresh_reads_the_summaries(new_database) -> None:
    """A member absent for 20 days gets one absence from the summary-based refresh; the second refresh adds none."""
    database = Database(await new_database(MIGRATIONS, prefix="notifications"))
    studio, member = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    try:
        # Attendance first: with no member yet nothing is evaluated per event, so what is raised is the refresh's.
        async with database.transaction() as session:
            for days_ago in (40, 30, 20):
                await record_attendance(
                    session, studio, booking_id=uuid.uuid4(), member_id=member,
                    attended_at=now - timedelta(days=days_ago), attended=True, now=now,
                )  # fmt: skip
        await _member(database, studio, member, date(2025, 1, 6))
        async with database.transaction() as session:
            first = await refresh_studio(session, studio, now)
        async with database.transaction() as session:
            second = await refresh_studio(session, studio, now)
            sql = text("SELECT kind, details FROM notification WHERE studio_id = :s")
            kinds = (await session.execute(sql, {"s": studio})).all()
        absences = [details for kind, details in kinds if kind == "absence"]
        assert len(absences) == 1
        assert absences[0]["days_absent"] == 20
        assert first.members_evaluated == second.members_evaluated == 1
        assert first.created >= 1
        assert second.created == 0
    finally:
        await database.dispose()


async def test_a_refresh_asked_for_answers_202_and_its_job_shows_the_outcome(service, tokens, refresh_now) -> None:
    studio, coach = uuid.uuid4(), uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee", member_id=coach)
    asked = await service.post("/refresh", headers=staff)
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert job["status"] == "queued"
    assert asked.headers["location"] == f"refresh-jobs/{job['job_id']}"
    again = await service.post("/refresh", headers=staff)
    assert again.json()["job_id"] == job["job_id"], "asked again before it started: the same job"

    done = await refresh_now(service, staff)
    assert done["members_evaluated"] == 0
    assert done["finished_at"] is not None
    first = (await service.get(f"/refresh-jobs/{job['job_id']}", headers=staff)).json()
    assert first["status"] == "succeeded"
    assert first["today"] is not None

    intruder = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    hidden = await service.get(f"/refresh-jobs/{job['job_id']}", headers=intruder)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "refresh_job_not_found")
    member = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    assert (await service.post("/refresh", headers=member)).status_code == 403


async def test_a_refresh_job_left_running_by_a_dead_worker_is_taken_up_again_and_finishes(new_database) -> None:
    database = Database(await new_database(MIGRATIONS, prefix="notifications"))
    studio, member = uuid.uuid4(), uuid.uuid4()
    try:
        await _member(database, studio, member, date(2025, 1, 1))
        async with database.transaction() as session:
            job = await refresh_jobs.request_refresh(session, studio, uuid.uuid4())
            job_id = job.job_id
        assert await REFRESH_JOBS.claim(database) == job_id  # a worker claims it, then dies before it ends
        assert await REFRESH_JOBS.claim(database) is None, "a running job with a fresh heartbeat is left alone"
        later = datetime.now(UTC) + refresh_jobs.STALE_AFTER + timedelta(seconds=1)
        assert await REFRESH_JOBS.claim(database, now=later) == job_id, "its heartbeat stopped: taken up again"
        await refresh_jobs.run_refresh_job(database, REFRESH_JOBS, job_id)
        async with database.transaction() as session:
            done = await refresh_jobs.get_job(session, studio, job_id)
            assert (done.status, done.members_evaluated, done.members_total) == ("succeeded", 1, 1)
            assert done.started_at is not None
            assert done.finished_at is not None
        assert await REFRESH_JOBS.claim(database, now=later + timedelta(hours=1)) is None, "a finished job stays done"
    finally:
        await database.dispose()
