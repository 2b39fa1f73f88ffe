"""The attendance summaries a studio refresh reads instead of every attendance row.

`attendance_day` holds visits per member and local day, `attendance_member` each member's last attended day.
Both follow the attendance table: `record_change` applies one booking's change (new, or its status or day
changed) in the same transaction as the attendance row, as a difference between the row before and after, so
an event delivered again (same status) changes nothing, and a status that flips back and forth counts once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.db.models import Attendance, AttendanceDay, AttendanceMember


@dataclass(frozen=True, slots=True)
class AttendanceState:
    """What one booking's attendance row says: whose, attended or not, on which local day."""

    member_id: uuid.UUID
    attended: bool
    attended_on: date


async def record_change(
    session: AsyncSession, studio_id: uuid.UUID, before: AttendanceState | None, after: AttendanceState
) -> None:
    """Apply one booking's change; the attendance row itself is already written (it decides the last day)."""
    if before == after:
        return
    if before is not None and before.attended:
        await _count_visit(session, studio_id, before.member_id, before.attended_on, -1)
    if after.attended:
        await _count_visit(session, studio_id, after.member_id, after.attended_on, +1)
    for member_id in {after.member_id} | ({before.member_id} if before is not None else set()):
        await _follow_last_day(session, studio_id, member_id)


async def _count_visit(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, day: date, by: int) -> None:
    key = {"studio_id": studio_id, "member_id": member_id, "attended_on": day}
    if by > 0:
        statement = pg_insert(AttendanceDay).values(**key, visits=by)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[AttendanceDay.studio_id, AttendanceDay.attended_on, AttendanceDay.member_id],
                set_={"visits": AttendanceDay.visits + by},
            )
        )
        return
    where = (
        AttendanceDay.studio_id == studio_id,
        AttendanceDay.attended_on == day,
        AttendanceDay.member_id == member_id,
    )
    left = (
        await session.execute(
            update(AttendanceDay).where(*where).values(visits=AttendanceDay.visits + by).returning(AttendanceDay.visits)
        )
    ).scalar_one_or_none()
    if left is not None and left <= 0:
        await session.execute(delete(AttendanceDay).where(*where))


async def _follow_last_day(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> None:
    """The last attended day from the attendance rows themselves (one step down their member/day index)."""
    last = (
        await session.execute(
            select(func.max(Attendance.attended_on)).where(
                Attendance.studio_id == studio_id, Attendance.member_id == member_id, Attendance.attended
            )
        )
    ).scalar_one()
    if last is None:
        await session.execute(
            delete(AttendanceMember).where(
                AttendanceMember.studio_id == studio_id, AttendanceMember.member_id == member_id
            )
        )
        return
    statement = pg_insert(AttendanceMember).values(studio_id=studio_id, member_id=member_id, last_attended_on=last)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[AttendanceMember.studio_id, AttendanceMember.member_id],
            set_={"last_attended_on": last},
        )
    )


_REBUILD = (
    text("DELETE FROM attendance_day WHERE studio_id = :studio"),
    text("DELETE FROM attendance_member WHERE studio_id = :studio"),
    text(
        """
        INSERT INTO attendance_day (studio_id, attended_on, member_id, visits)
        SELECT studio_id, attended_on, member_id, count(*) FROM attendance WHERE studio_id = :studio AND attended
        GROUP BY studio_id, attended_on, member_id
        """
    ),
    text(
        """
        INSERT INTO attendance_member (studio_id, member_id, last_attended_on)
        SELECT studio_id, member_id, max(attended_on) FROM attendance WHERE studio_id = :studio AND attended
        GROUP BY studio_id, member_id
        """
    ),
)


async def rebuild(session: AsyncSession, studio_id: uuid.UUID) -> None:
    """Recompute a studio's summaries from its attendance rows (after a bulk load that bypassed
    `record_change`; migration 0007 did the same for the rows stored before the summaries existed)."""
    for statement in _REBUILD:
        await session.execute(statement, {"studio": studio_id})
