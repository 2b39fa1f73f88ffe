"""Refresh: evaluate the rules for a whole studio (nightly or on demand) or for one member (on attendance).

A studio refresh asks PostgreSQL for what the rules read - each member's last attended day and visit
counts in the trend windows - from the attendance summaries (service.attendance_summary, kept with every
attendance change), so it reads members and a few weeks of per-day counts, never every attendance row.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.db.models import Attendance, StudioSettings
from gymloop_notifications.db.models import Notification as NotificationRow
from gymloop_notifications.domain.attendance import AttendanceDates, AttendanceSummary
from gymloop_notifications.domain.evaluation import (
    evaluate_attendance_rules,
    evaluate_member,
    trend_windows_to_aggregate,
)
from gymloop_notifications.domain.kinds import NotificationKind, NotificationStatus
from gymloop_notifications.domain.local_time import local_date, next_nightly_run
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.refresh import absences_ended_by_attendance
from gymloop_notifications.service import attendance_summary
from gymloop_notifications.service.attendance_summary import AttendanceState
from gymloop_notifications.service.members import member_facts
from gymloop_notifications.service.notifications import raise_candidates, to_domain
from gymloop_notifications.service.studios import ensure_studio

EVALUATION_CHUNK = 5000
PROGRESS_EVERY = 5000  # members between two progress reports of a refresh job


@dataclass(frozen=True)
class RefreshResult:
    studio_id: uuid.UUID
    today: date
    members_evaluated: int
    candidates: int
    created: int


def _summary_query(window_count: int) -> str:
    sums = ", ".join(
        f"sum(d.visits) FILTER (WHERE d.attended_on BETWEEN :s{i} AND :e{i}) AS c{i}" for i in range(window_count)
    )
    # Without trend windows there is nothing to sum: the day rows are not read at all.
    windows = (
        f"""
        LEFT JOIN (
            SELECT d.member_id, {sums}
            FROM attendance_day d
            WHERE d.studio_id = :studio AND d.attended_on BETWEEN :first AND :today
            GROUP BY d.member_id
        ) w ON w.member_id = m.member_id"""  # noqa: S608 - generated placeholders only
        if window_count
        else ""
    )
    return f"""
        SELECT m.member_id, m.display_name, m.birth_date, m.start_date, m.responsible_employee_id,
               CASE WHEN s.last_attended_on IS NULL OR s.last_attended_on <= :today THEN s.last_attended_on
                    ELSE (SELECT max(a.attended_on) FROM attendance a
                          WHERE a.studio_id = m.studio_id AND a.member_id = m.member_id AND a.attended
                            AND a.attended_on <= :today)
               END AS last_on{"".join(f", w.c{i}" for i in range(window_count))}
        FROM member m
        LEFT JOIN attendance_member s ON s.studio_id = m.studio_id AND s.member_id = m.member_id{windows}
        WHERE m.studio_id = :studio AND m.is_member AND NOT m.archived
          AND m.start_date IS NOT NULL AND m.start_date <= :today
    """  # noqa: S608 - only generated placeholders are interpolated, never input


_MEMBERS_TO_EVALUATE = text(
    """
    SELECT count(*) FROM member m
    WHERE m.studio_id = :studio AND m.is_member AND NOT m.archived
      AND m.start_date IS NOT NULL AND m.start_date <= :today
    """
)

# Told (members evaluated so far, members to evaluate) after each chunk: a refresh job shows it as progress.
Progress = Callable[[int, int], Awaitable[None]]


async def refresh_studio(
    session: AsyncSession, studio_id: uuid.UUID, now: datetime | None = None, *, progress: Progress | None = None
) -> RefreshResult:
    """Evaluate every member of the studio and raise what is new. Serialised per studio by the row lock.

    Reads the members and their attendance summaries (the last attended day and the visits of the days the
    trend windows cover), not the studio's attendance rows: the cost follows the number of members."""
    now = now or datetime.now(UTC)
    config = await ensure_studio(session, studio_id, lock=True)
    today = config.today(now)
    windows = trend_windows_to_aggregate(config.settings, today)
    params: dict[str, object] = {"studio": studio_id, "today": today}
    for i, (first, last) in enumerate(windows):
        params[f"s{i}"], params[f"e{i}"] = first, last
    if windows:
        params["first"] = min(first for first, _ in windows)
    total = 0
    if progress is not None:
        total = int((await session.execute(_MEMBERS_TO_EVALUATE, params)).scalar_one())
        await progress(0, total)
    result = await session.stream(text(_summary_query(len(windows))), params)
    members = candidates = created = 0
    pending = []
    async for row in result:
        member = MemberFacts(
            studio_id=studio_id,
            member_id=row[0],
            display_name=row[1],
            birth_date=row[2],
            start_date=row[3],
            responsible_employee_id=row[4],
        )
        summary = AttendanceSummary(
            as_of=today,
            last_attended_on=row[5],
            window_counts={window: int(row[6 + i] or 0) for i, window in enumerate(windows)},
        )
        pending.extend(evaluate_member(config.settings, member, summary, today))
        members += 1
        if len(pending) >= EVALUATION_CHUNK:
            candidates += len(pending)
            created += len(await raise_candidates(session, studio_id, pending, now))
            pending = []
        if progress is not None and members % PROGRESS_EVERY == 0:
            await progress(members, total)
    candidates += len(pending)
    created += len(await raise_candidates(session, studio_id, pending, now))
    row_settings = await session.get(StudioSettings, studio_id)
    if row_settings is not None:
        row_settings.last_refreshed_at = now
    if progress is not None:
        await progress(members, max(total, members))
    return RefreshResult(studio_id, today, members, candidates, created)


async def record_attendance(
    session: AsyncSession,
    studio_id: uuid.UUID,
    *,
    booking_id: uuid.UUID,
    member_id: uuid.UUID,
    attended_at: datetime,
    attended: bool,
    now: datetime | None = None,
) -> list[uuid.UUID]:
    """Keep the attendance row (the latest status per booking wins) and re-evaluate the attendance rules
    for this member right away, so an absence or trend can appear the same day."""
    now = now or datetime.now(UTC)
    config = await ensure_studio(session, studio_id)
    attended_on = local_date(attended_at, config.zone, field="starts_at")
    values = {"member_id": member_id, "attended_at": attended_at, "attended_on": attended_on, "attended": attended}
    inserted = (
        await session.execute(
            pg_insert(Attendance)
            .values(studio_id=studio_id, booking_id=booking_id, **values)
            .on_conflict_do_nothing(index_elements=[Attendance.studio_id, Attendance.booking_id])
            .returning(Attendance.booking_id)
        )
    ).first()
    before = None
    if inserted is None:
        # Known booking: the row as it was (locked), then the latest status wins.
        same_booking = (Attendance.studio_id == studio_id, Attendance.booking_id == booking_id)
        previous = (
            await session.execute(
                select(Attendance.member_id, Attendance.attended, Attendance.attended_on)
                .where(*same_booking)
                .with_for_update()
            )
        ).one()
        before = AttendanceState(previous.member_id, previous.attended, previous.attended_on)
        await session.execute(update(Attendance).where(*same_booking).values(**values))
    await attendance_summary.record_change(
        session, studio_id, before, AttendanceState(member_id, attended, attended_on)
    )
    if attended:
        await resolve_ended_absences(session, studio_id, member_id, config.today(now), now)
    return await evaluate_one_member(session, studio_id, member_id, now=now, attendance_rules_only=True)


async def resolve_ended_absences(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, today: date, now: datetime
) -> int:
    """An open absence notification whose absence the member ended by attending is closed by the system."""
    rows = (
        await session.execute(
            select(NotificationRow)
            .where(
                NotificationRow.studio_id == studio_id,
                NotificationRow.member_id == member_id,
                NotificationRow.kind == NotificationKind.ABSENCE.value,
                NotificationRow.status == NotificationStatus.OPEN.value,
            )
            .with_for_update()
        )
    ).scalars()
    by_id = {row.notification_id: row for row in rows}
    if not by_id:
        return 0
    history = await _attendance_history(session, studio_id, member_id, today)
    ended = absences_ended_by_attendance([to_domain(r) for r in by_id.values()], history.dates, today)
    for notification in ended:
        resolved = notification.resolve(at=now)
        row = by_id[notification.notification_id]
        row.status, row.done_at, row.done_by = resolved.status.value, resolved.done_at, None
    return len(ended)


async def _attendance_history(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, today: date
) -> AttendanceDates:
    days = (
        await session.execute(
            select(Attendance.attended_on).where(
                Attendance.studio_id == studio_id,
                Attendance.member_id == member_id,
                Attendance.attended,
                Attendance.attended_on <= bindparam("today", today),
            )
        )
    ).scalars()
    return AttendanceDates.of(days)


async def evaluate_one_member(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    now: datetime | None = None,
    attendance_rules_only: bool = False,
) -> list[uuid.UUID]:
    now = now or datetime.now(UTC)
    config = await ensure_studio(session, studio_id)
    member = await member_facts(session, studio_id, member_id)
    if member is None:
        return []  # not (yet) known as a member: the member's profile event evaluates later
    today = config.today(now)
    history = await _attendance_history(session, studio_id, member_id, today)
    evaluate = evaluate_attendance_rules if attendance_rules_only else evaluate_member
    return await raise_candidates(session, studio_id, evaluate(config.settings, member, history, today), now)


async def evaluate_early_attendance(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, *, now: datetime | None = None
) -> list[uuid.UUID]:
    """Attendance travels on another topic than the member's profile, so it may arrive first; it is kept but
    cannot be evaluated without the member. Once the profile is known, evaluate what arrived early."""
    early = (
        await session.execute(
            select(Attendance.booking_id)
            .where(Attendance.studio_id == studio_id, Attendance.member_id == member_id)
            .limit(1)
        )
    ).first()
    if early is None:
        return []
    return await evaluate_one_member(session, studio_id, member_id, now=now, attendance_rules_only=True)


async def claim_due_studio(session: AsyncSession, now: datetime) -> uuid.UUID | None:
    """One studio whose nightly refresh is due, its next run already moved on (so replicas skip it)."""
    row = (
        await session.execute(
            select(StudioSettings)
            .where(StudioSettings.next_refresh_at <= now)
            .order_by(StudioSettings.next_refresh_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    config = await ensure_studio(session, row.studio_id)
    row.next_refresh_at = next_nightly_run(now, config.zone, row.refresh_at)
    return row.studio_id
