"""What benchmark results show (a workout's leaderboard, a member's history and personal bests: reads only) and a
member's opt-out from rankings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from gymloop_kit.http.pagination import PageParams, fetch_page
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import BenchmarkRankingOptOutRow, BenchmarkResultRow, BenchmarkWorkoutRow, MemberRow
from gymloop_bookings.domain.benchmarks import (
    Ranked,
    Scaling,
    ScoredResult,
    Scoring,
    Workout,
    leaderboard,
    personal_best,
)
from gymloop_bookings.service.benchmark_workouts import owned_workout


async def workout_leaderboard(
    db: AsyncSession, studio_id: uuid.UUID, workout_id: uuid.UUID, scaling: Scaling, gender: str | None
) -> list[Ranked]:
    row = await owned_workout(db, studio_id, workout_id)
    workout = Workout(Scoring(row.scoring), row.lower_is_better, row.reps_per_round)
    found = await db.execute(
        select(BenchmarkResultRow, MemberRow.gender, BenchmarkRankingOptOutRow.member_id.label("opted_out"))
        .outerjoin(
            MemberRow,
            (MemberRow.studio_id == BenchmarkResultRow.studio_id)
            & (MemberRow.member_id == BenchmarkResultRow.member_id),
        )
        .outerjoin(
            BenchmarkRankingOptOutRow,
            (BenchmarkRankingOptOutRow.studio_id == BenchmarkResultRow.studio_id)
            & (BenchmarkRankingOptOutRow.member_id == BenchmarkResultRow.member_id),
        )
        .where(
            BenchmarkResultRow.studio_id == studio_id,
            BenchmarkResultRow.workout_id == workout_id,
            BenchmarkResultRow.scaling == scaling.value,
        )
        .order_by(BenchmarkResultRow.recorded_at, BenchmarkResultRow.id)
    )
    results = [
        ScoredResult(r.id, r.member_id, r.score, Scaling(r.scaling), member_gender, opted_out is None)
        for r, member_gender, opted_out in found
    ]
    return leaderboard(workout, results, scaling, gender)


async def set_ranking_opt_out(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, opted_out: bool) -> None:
    if not opted_out:
        await db.execute(
            delete(BenchmarkRankingOptOutRow).where(
                BenchmarkRankingOptOutRow.studio_id == studio_id, BenchmarkRankingOptOutRow.member_id == member_id
            )
        )
        return
    statement = pg_insert(BenchmarkRankingOptOutRow).values(
        studio_id=studio_id, member_id=member_id, opted_out_at=datetime.now(UTC)
    )
    await db.execute(statement.on_conflict_do_nothing())


async def member_history(
    db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, page: PageParams
) -> tuple[list[BenchmarkResultRow], int]:
    """The member's results, newest first."""
    statement = (
        select(BenchmarkResultRow)
        .where(BenchmarkResultRow.studio_id == studio_id, BenchmarkResultRow.member_id == member_id)
        .order_by(BenchmarkResultRow.recorded_at.desc(), BenchmarkResultRow.id)
    )
    return await fetch_page(db, statement, page)


async def member_personal_bests(
    db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID
) -> list[tuple[BenchmarkWorkoutRow, ScoredResult]]:
    """The member's best per workout and scaling, by workout name (Rx before scaled)."""
    found = await db.execute(
        select(BenchmarkResultRow, BenchmarkWorkoutRow)
        .join(BenchmarkWorkoutRow, BenchmarkWorkoutRow.id == BenchmarkResultRow.workout_id)
        .where(BenchmarkResultRow.studio_id == studio_id, BenchmarkResultRow.member_id == member_id)
        .order_by(BenchmarkWorkoutRow.name, BenchmarkWorkoutRow.id, BenchmarkResultRow.recorded_at)
    )
    per_workout: dict[uuid.UUID, tuple[BenchmarkWorkoutRow, list[ScoredResult]]] = {}
    for result, workout_row in found:
        scored = ScoredResult(result.id, member_id, result.score, Scaling(result.scaling), None, True)
        per_workout.setdefault(workout_row.id, (workout_row, []))[1].append(scored)
    bests: list[tuple[BenchmarkWorkoutRow, ScoredResult]] = []
    for workout_row, results in per_workout.values():
        workout = Workout(Scoring(workout_row.scoring), workout_row.lower_is_better, workout_row.reps_per_round)
        for scaling in Scaling:
            best = personal_best(workout, results, scaling)
            if best is not None:
                bests.append((workout_row, best))
    return bests
