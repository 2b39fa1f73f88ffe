"""Recording a member's benchmark result for a session they attended, and announcing a personal best (use cases:
flush and write the outbox in the caller's transaction, never commit)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from gymloop_contracts.events.bookings import BenchmarkResultRecorded, PersonalBestSet
from gymloop_kit.errors import Conflict, InvalidFields, InvalidInput
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import BenchmarkProgrammingRow, BenchmarkResultRow, BookingRow, SessionRow
from gymloop_bookings.domain.benchmarks import ResultEntry, Scoring, Workout, is_better, score
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.service.benchmark_workouts import owned_workout


def _session_refused(message: str, code: str) -> InvalidFields:
    return InvalidFields([InvalidInput(message, code=code, field="session_id")])


async def record_result(
    db: AsyncSession,
    studio_id: uuid.UUID,
    workout_id: uuid.UUID,
    member_id: uuid.UUID,
    session_id: uuid.UUID,
    entry: ResultEntry,
    recorded_by: uuid.UUID,
) -> tuple[BenchmarkResultRow, bool]:
    """The stored result and whether it is the member's new personal best at its scaling."""
    workout_row = await owned_workout(db, studio_id, workout_id)
    workout = Workout(Scoring(workout_row.scoring), workout_row.lower_is_better, workout_row.reps_per_round)
    canonical = score(workout, entry)
    booking = await db.scalar(
        select(BookingRow).where(
            BookingRow.studio_id == studio_id, BookingRow.session_id == session_id, BookingRow.member_id == member_id
        )
    )
    if booking is None or booking.status != BookingStatus.ATTENDED.value or booking.no_show:
        raise _session_refused("the member did not attend this session", "benchmark_session_not_attended")
    session_row = await db.get(SessionRow, session_id)
    programmed = session_row and await db.scalar(
        select(BenchmarkProgrammingRow.workout_id).where(
            BenchmarkProgrammingRow.studio_id == studio_id,
            BenchmarkProgrammingRow.session_type_id == session_row.session_type_id,
            BenchmarkProgrammingRow.day == booking.session_local_date,
        )
    )
    if programmed != workout_id:
        raise _session_refused("this workout was not programmed for this session", "benchmark_not_programmed")
    already = await db.scalar(
        select(BenchmarkResultRow.id).where(
            BenchmarkResultRow.session_id == session_id,
            BenchmarkResultRow.member_id == member_id,
            BenchmarkResultRow.workout_id == workout_id,
        )
    )
    if already is not None:
        raise Conflict("a result for this session is already recorded", code="benchmark_result_exists")
    earlier = await db.scalars(
        select(BenchmarkResultRow.score).where(
            BenchmarkResultRow.studio_id == studio_id,
            BenchmarkResultRow.member_id == member_id,
            BenchmarkResultRow.workout_id == workout_id,
            BenchmarkResultRow.scaling == entry.scaling.value,
        )
    )
    previous: Decimal | None = None  # the member's best so far at this scaling
    for earlier_score in earlier:
        if is_better(workout, earlier_score, previous):
            previous = earlier_score
    row = BenchmarkResultRow(
        id=uuid.uuid4(),
        studio_id=studio_id,
        workout_id=workout_id,
        member_id=member_id,
        session_id=session_id,
        value=entry.value,
        unit=entry.unit,
        rounds=entry.rounds,
        score=canonical,
        scaling=entry.scaling.value,
        note=entry.note,
        recorded_by=recorded_by,
        recorded_at=datetime.now(UTC),
    )
    db.add(row)
    await db.flush()
    recorded = BenchmarkResultRecorded(
        result_id=row.id,
        workout_id=workout_id,
        workout_name=workout_row.name,
        member_id=member_id,
        session_id=session_id,
        scoring=workout.scoring.value,
        score=str(canonical),
        scaling=entry.scaling.value,
        value=str(entry.value),
        unit=entry.unit,
        rounds=entry.rounds,
        recorded_by=recorded_by,
        recorded_at=row.recorded_at,
    )
    await add_event(db, recorded, studio_id=studio_id)
    new_best = is_better(workout, canonical, previous)
    if new_best:
        best_event = PersonalBestSet(
            **recorded.model_dump(include=set(PersonalBestSet.model_fields) - {"previous_score", "lower_is_better"}),
            previous_score=None if previous is None else str(previous),
            lower_is_better=workout.lower_is_better,
        )
        await add_event(db, best_event, studio_id=studio_id)
    return row, new_best
