"""What benchmark results show (a workout's leaderboard, a member's history and personal bests: reads only) and a
member's opt-out from rankings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from gymloop_kit import studio_clock
from gymloop_kit.http.pagination import PageParams, fetch_page
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import BenchmarkRankingOptOutRow, BenchmarkResultRow, BenchmarkWorkoutRow, MemberRow
from gymloop_bookings.domain.benchmark_dashboard import DatedResult, WorkoutMonth, month_of_results
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
from gymloop_bookings.service.views import full_name


async def _ranked_results(
    db: AsyncSession, studio_id: uuid.UUID, *where: ColumnElement[bool]
) -> list[tuple[BenchmarkResultRow, ScoredResult, str | None]]:
    """The studio's results matching `where`, oldest first, each as ranking sees it (the member's gender, whether
    they opted out) with the member's display name."""
    found = await db.execute(
        select(BenchmarkResultRow, MemberRow, BenchmarkRankingOptOutRow.member_id.label("opted_out"))
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
        .where(BenchmarkResultRow.studio_id == studio_id, *where)
        .order_by(BenchmarkResultRow.recorded_at, BenchmarkResultRow.id)
    )
    ranked: list[tuple[BenchmarkResultRow, ScoredResult, str | None]] = []
    for r, member, opted_out in found:
        gender = member.gender if member is not None else None
        scored = ScoredResult(r.id, r.member_id, r.score, Scaling(r.scaling), gender, opted_out is None)
        ranked.append((r, scored, full_name(member)))
    return ranked


@dataclass(frozen=True, slots=True)
class Leaderboard:
    ranked: list[Ranked]
    names: dict[uuid.UUID, str | None]  # each ranked member's display name, as followed from members


async def workout_leaderboard(
    db: AsyncSession, studio_id: uuid.UUID, workout_id: uuid.UUID, scaling: Scaling, gender: str | None
) -> Leaderboard:
    row = await owned_workout(db, studio_id, workout_id)
    workout = Workout(Scoring(row.scoring), row.lower_is_better, row.reps_per_round)
    found = await _ranked_results(
        db, studio_id, BenchmarkResultRow.workout_id == workout_id, BenchmarkResultRow.scaling == scaling.value
    )
    names = {r.member_id: name for r, _, name in found}
    ranked = leaderboard(workout, [scored for _, scored, _ in found], scaling, gender)
    return Leaderboard(ranked, {r.result.member_id: names[r.result.member_id] for r in ranked})


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


@dataclass(frozen=True, slots=True)
class MonthDashboard:
    since: datetime
    until: datetime
    workouts: list[tuple[BenchmarkWorkoutRow, WorkoutMonth]]  # by workout name
    names: dict[uuid.UUID, str | None]


async def month_dashboard(db: AsyncSession, studio_id: uuid.UUID, month: date) -> MonthDashboard:
    """The month's results (recorded in that month of the studio's calendar) per workout, measured against each
    member's earlier results for the personal bests; members who opted out are not anyone's month best."""
    zone = await studio_clock.zone_of(db, studio_id)
    since = datetime(month.year, month.month, 1, tzinfo=zone)
    until = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=zone)
    active = (
        select(BenchmarkResultRow.workout_id)
        .where(
            BenchmarkResultRow.studio_id == studio_id,
            BenchmarkResultRow.recorded_at >= since,
            BenchmarkResultRow.recorded_at < until,
        )
        .distinct()
    )
    workout_rows = list(
        (
            await db.scalars(
                select(BenchmarkWorkoutRow)
                .where(BenchmarkWorkoutRow.studio_id == studio_id, BenchmarkWorkoutRow.id.in_(active))
                .order_by(BenchmarkWorkoutRow.name, BenchmarkWorkoutRow.id)
            )
        ).all()
    )
    found = await _ranked_results(
        db,
        studio_id,
        BenchmarkResultRow.workout_id.in_([w.id for w in workout_rows]),
        BenchmarkResultRow.recorded_at < until,
    )
    results = [DatedResult(r.workout_id, r.recorded_at, scored) for r, scored, _ in found]
    names = {r.member_id: name for r, _, name in found}
    workouts = {w.id: Workout(Scoring(w.scoring), w.lower_is_better, w.reps_per_round) for w in workout_rows}
    months = {m.workout_id: m for m in month_of_results(workouts, results, since)}
    return MonthDashboard(since, until, [(w, months[w.id]) for w in workout_rows if w.id in months], names)
