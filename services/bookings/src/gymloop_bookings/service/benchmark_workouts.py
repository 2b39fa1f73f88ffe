"""Benchmark workouts a studio defines and programs on a session type's day (use cases: flush, never commit)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from gymloop_kit.errors import Conflict
from gymloop_kit.http.pagination import PageParams, fetch_page
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import BenchmarkProgrammingRow, BenchmarkWorkoutRow, SessionTypeRow
from gymloop_bookings.domain.benchmarks import Scoring, check_workout, default_lower_is_better
from gymloop_bookings.service.outcomes import not_found


async def define_workout(
    db: AsyncSession,
    studio_id: uuid.UUID,
    name: str,
    description: str,
    scoring: Scoring,
    lower_is_better: bool | None,
    reps_per_round: int | None,
) -> BenchmarkWorkoutRow:
    name, description = check_workout(name, description, scoring, reps_per_round)
    taken = await db.scalar(
        select(BenchmarkWorkoutRow.id).where(
            BenchmarkWorkoutRow.studio_id == studio_id, BenchmarkWorkoutRow.name == name
        )
    )
    if taken is not None:
        raise Conflict(f"the studio already has a benchmark named {name!r}", code="benchmark_name_taken", field="name")
    row = BenchmarkWorkoutRow(
        id=uuid.uuid4(),
        studio_id=studio_id,
        name=name,
        description=description,
        scoring=scoring.value,
        lower_is_better=default_lower_is_better(scoring) if lower_is_better is None else lower_is_better,
        reps_per_round=reps_per_round,
        created_at=datetime.now(UTC),
    )
    db.add(row)
    await db.flush()
    return row


async def list_workouts(
    db: AsyncSession, studio_id: uuid.UUID, page: PageParams
) -> tuple[list[BenchmarkWorkoutRow], int]:
    statement = (
        select(BenchmarkWorkoutRow)
        .where(BenchmarkWorkoutRow.studio_id == studio_id)
        .order_by(BenchmarkWorkoutRow.name, BenchmarkWorkoutRow.id)
    )
    return await fetch_page(db, statement, page)


async def owned_workout(db: AsyncSession, studio_id: uuid.UUID, workout_id: uuid.UUID) -> BenchmarkWorkoutRow:
    row = await db.get(BenchmarkWorkoutRow, workout_id)
    if row is None or row.studio_id != studio_id:
        raise not_found("benchmark workout", "workout_id")
    return row


async def program_workout(
    db: AsyncSession, studio_id: uuid.UUID, workout_id: uuid.UUID, session_type_id: uuid.UUID, day: date
) -> None:
    """The sessions of this type on that local day take results for the workout (one benchmark a day per type)."""
    await owned_workout(db, studio_id, workout_id)
    session_type = await db.get(SessionTypeRow, session_type_id)
    if session_type is None or session_type.studio_id != studio_id:
        raise not_found("session type", "session_type_id")
    statement = pg_insert(BenchmarkProgrammingRow).values(
        studio_id=studio_id, session_type_id=session_type_id, day=day, workout_id=workout_id
    )
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=[
                BenchmarkProgrammingRow.studio_id,
                BenchmarkProgrammingRow.session_type_id,
                BenchmarkProgrammingRow.day,
            ],
            set_={"workout_id": statement.excluded.workout_id},
        )
    )
