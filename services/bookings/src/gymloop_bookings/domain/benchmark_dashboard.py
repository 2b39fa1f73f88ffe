"""The studio's dashboard of one month's benchmark results (pure rules, no I/O): per workout how many results and
members, how many of those results were a new personal best when recorded, and the month's best per scaling."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from gymloop_bookings.domain.benchmarks import Scaling, ScoredResult, Workout, is_better, leaderboard


@dataclass(frozen=True, slots=True)
class DatedResult:
    workout_id: uuid.UUID
    recorded_at: datetime
    result: ScoredResult


@dataclass(slots=True)
class WorkoutMonth:
    workout_id: uuid.UUID
    results: int = 0
    members: set[uuid.UUID] = field(default_factory=set)
    personal_bests: int = 0
    best: dict[Scaling, ScoredResult] = field(default_factory=dict)  # the month's best per scaling, of the ranked


def month_of_results(
    workouts: Mapping[uuid.UUID, Workout], results: Iterable[DatedResult], since: datetime
) -> list[WorkoutMonth]:
    """`results`: every result of these workouts recorded before the month ends, oldest first (the earlier ones make
    the personal bests the month's results are measured against). Only workouts with results since `since` are
    listed, in the order of `workouts`."""
    best_so_far: dict[tuple[uuid.UUID, uuid.UUID, Scaling], ScoredResult] = {}
    months: dict[uuid.UUID, WorkoutMonth] = {}
    in_month: dict[uuid.UUID, list[ScoredResult]] = {}
    for dated in results:
        workout = workouts[dated.workout_id]
        result = dated.result
        key = (dated.workout_id, result.member_id, result.scaling)
        earlier = best_so_far.get(key)
        new_best = is_better(workout, result.score, earlier.score if earlier else None)
        if new_best:
            best_so_far[key] = result
        if dated.recorded_at < since:
            continue
        month = months.setdefault(dated.workout_id, WorkoutMonth(dated.workout_id))
        month.results += 1
        month.members.add(result.member_id)
        month.personal_bests += new_best
        in_month.setdefault(dated.workout_id, []).append(result)
    for workout_id, month in months.items():
        for scaling in Scaling:
            top = leaderboard(workouts[workout_id], in_month[workout_id], scaling)
            if top:
                month.best[scaling] = top[0].result
    return [months[workout_id] for workout_id in workouts if workout_id in months]
