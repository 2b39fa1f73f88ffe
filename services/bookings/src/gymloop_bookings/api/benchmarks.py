"""Benchmark workouts: the studio defines them ("Fran", scored by time, lower is better) and programs them on a
session type's day."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, cast

from fastapi import APIRouter, Query
from gymloop_contracts.events.common import Gender
from gymloop_kit import studio_clock
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser, Staff
from gymloop_kit.bounds import Int32
from gymloop_kit.http.dates import Month
from gymloop_kit.http.pagination import Page, Paging, slice_page
from pydantic import BaseModel, Field

from gymloop_bookings.db.models import BenchmarkResultRow, BenchmarkWorkoutRow, MemberRow
from gymloop_bookings.domain.benchmarks import DESCRIPTION_MAX, NAME_MAX, NOTE_MAX, UNITS, ResultEntry, Scaling, Scoring
from gymloop_bookings.service import benchmark_results, benchmark_views, benchmark_workouts
from gymloop_bookings.service.actors import member_in_question
from gymloop_bookings.service.outcomes import not_found

router = APIRouter(tags=["benchmarks"])


class BenchmarkWorkoutIn(BaseModel):
    name: str = Field(max_length=NAME_MAX * 2)  # trimmed and checked by the domain, which says why
    description: str = Field(default="", max_length=DESCRIPTION_MAX * 2)
    scoring: Scoring
    lower_is_better: bool | None = None  # None: a time is better lower, everything else higher
    reps_per_round: Int32 | None = None


class BenchmarkWorkoutOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    scoring: Scoring
    lower_is_better: bool
    reps_per_round: int | None
    units: list[str]  # what a result of this workout may be entered in

    @classmethod
    def of(cls, row: BenchmarkWorkoutRow) -> BenchmarkWorkoutOut:
        scoring = Scoring(row.scoring)
        return cls(
            id=row.id,
            name=row.name,
            description=row.description,
            scoring=scoring,
            lower_is_better=row.lower_is_better,
            reps_per_round=row.reps_per_round,
            units=list(UNITS[scoring]),
        )


class ProgrammingIn(BaseModel):
    workout_id: uuid.UUID


@router.post(
    "/benchmarks",
    operation_id="defineBenchmarkWorkout",
    status_code=201,
    summary="Define a benchmark workout and how its results are scored",
    response_model=BenchmarkWorkoutOut,
)
async def post_benchmark(body: BenchmarkWorkoutIn, principal: Staff, session: Session) -> BenchmarkWorkoutOut:
    """Staff only. The scoring (time, reps, rounds+reps, load, distance) fixes the units a result may use; a
    rounds+reps workout says how many reps one round has. Names are unique in the studio (409 otherwise)."""
    row = await benchmark_workouts.define_workout(
        session,
        principal.studio_id,
        body.name,
        body.description,
        body.scoring,
        body.lower_is_better,
        body.reps_per_round,
    )
    return BenchmarkWorkoutOut.of(row)


@router.get(
    "/benchmarks",
    operation_id="listBenchmarkWorkouts",
    summary="List the studio's benchmark workouts",
    response_model=Page[BenchmarkWorkoutOut],
)
async def get_benchmarks(principal: AnyUser, session: Session, page: Paging) -> Page[BenchmarkWorkoutOut]:
    """Any role. By name."""
    rows, total = await benchmark_workouts.list_workouts(session, principal.studio_id, page)
    return Page.of([BenchmarkWorkoutOut.of(row) for row in rows], total, page)


@router.put(
    "/session-types/{session_type_id}/days/{day}/benchmark",
    operation_id="programBenchmark",
    status_code=204,
    summary="Program a benchmark workout on a session type for one local day",
)
async def put_programming(
    session_type_id: uuid.UUID, day: date, body: ProgrammingIn, principal: Staff, session: Session
) -> None:
    """Staff only. Results of that workout may then be recorded for the sessions of this type that day; programming
    another workout on the same day replaces it."""
    await benchmark_workouts.program_workout(session, principal.studio_id, body.workout_id, session_type_id, day)


class ResultIn(BaseModel):
    session_id: uuid.UUID
    member_id: uuid.UUID | None = None  # staff name the member; a member records their own
    value: Decimal = Field(max_digits=12, decimal_places=3)
    unit: str = Field(max_length=20)
    rounds: Int32 | None = None
    scaling: Scaling
    note: str = Field(default="", max_length=NOTE_MAX * 2)


class ResultOut(BaseModel):
    id: uuid.UUID
    workout_id: uuid.UUID
    member_id: uuid.UUID
    session_id: uuid.UUID
    value: Decimal
    unit: str
    rounds: int | None
    score: Decimal
    scaling: Scaling
    note: str
    recorded_at: datetime
    personal_best: bool


@router.post(
    "/benchmarks/{workout_id}/results",
    operation_id="recordBenchmarkResult",
    status_code=201,
    summary="Record a member's result for a benchmark programmed on a session they attended",
    response_model=ResultOut,
)
async def post_result(workout_id: uuid.UUID, body: ResultIn, principal: AnyUser, session: Session) -> ResultOut:
    """A member records their own, a coach anyone's. The value in a unit the scoring allows (rounds+reps: `rounds`
    and the extra reps as `value`), Rx or scaled, and a note. Refused with a field error: a session the member did
    not attend or that did not program this workout, a negative or implausible value, a unit the scoring does not
    allow. `personal_best` says whether it beats the member's earlier best at that scaling."""
    member_id = member_in_question(principal, body.member_id)
    entry = ResultEntry(body.value, body.unit, body.scaling, body.rounds, body.note.strip())
    row, personal_best = await benchmark_results.record_result(
        session, principal.studio_id, workout_id, member_id, body.session_id, entry, principal.account_id
    )
    return result_out(row, personal_best)


class RankedOut(BaseModel):
    rank: int
    member_id: uuid.UUID
    display_name: str | None = Field(description="The member's name as followed from members; None until it is known")
    result_id: uuid.UUID
    score: Decimal
    gender: Gender | None


class RankingOptOutIn(BaseModel):
    opted_out: bool


@router.get(
    "/benchmarks/{workout_id}/leaderboard",
    operation_id="getBenchmarkLeaderboard",
    summary="A benchmark's leaderboard at one scaling (and gender)",
    response_model=Page[RankedOut],
)
async def get_leaderboard(
    workout_id: uuid.UUID,
    principal: AnyUser,
    session: Session,
    page: Paging,
    scaling: Scaling = Scaling.RX,
    gender: Gender | None = None,
) -> Page[RankedOut]:
    """Any role. Each member's best result at that scaling (of one gender when given), best first, with their
    display name; equal scores share a rank. Members who opted out of rankings are left out."""
    board = await benchmark_views.workout_leaderboard(session, principal.studio_id, workout_id, scaling, gender)
    items, total = slice_page(board.ranked, page)
    return Page.of(
        [
            RankedOut(
                rank=r.rank,
                member_id=r.result.member_id,
                display_name=board.names[r.result.member_id],
                result_id=r.result.result_id,
                score=r.result.score,
                gender=cast(Gender | None, r.result.gender),
            )
            for r in items
        ],
        total,
        page,
    )


@router.put(
    "/members/{member_id}/benchmark-ranking",
    operation_id="setBenchmarkRankingOptOut",
    status_code=204,
    summary="Hide a member from (or show them again on) benchmark leaderboards",
)
async def put_ranking_opt_out(
    member_id: uuid.UUID, body: RankingOptOutIn, principal: AnyUser, session: Session
) -> None:
    """A member for themself, staff for any member of the studio. Their results and personal bests stay theirs."""
    member_id = member_in_question(principal, member_id)
    if await session.get(MemberRow, (principal.studio_id, member_id)) is None:
        raise not_found("member", "member_id")
    await benchmark_views.set_ranking_opt_out(session, principal.studio_id, member_id, body.opted_out)


class PersonalBestOut(BaseModel):
    workout_id: uuid.UUID
    workout_name: str
    scaling: Scaling
    score: Decimal
    result_id: uuid.UUID


def result_out(row: BenchmarkResultRow, personal_best: bool) -> ResultOut:
    return ResultOut(
        id=row.id,
        workout_id=row.workout_id,
        member_id=row.member_id,
        session_id=row.session_id,
        value=row.value,
        unit=row.unit,
        rounds=row.rounds,
        score=row.score,
        scaling=Scaling(row.scaling),
        note=row.note,
        recorded_at=row.recorded_at,
        personal_best=personal_best,
    )


async def _member_of_studio(principal: AnyUser, session: Session, member_id: uuid.UUID) -> uuid.UUID:
    member_id = member_in_question(principal, member_id)
    if await session.get(MemberRow, (principal.studio_id, member_id)) is None:
        raise not_found("member", "member_id")
    return member_id


@router.get(
    "/members/{member_id}/benchmarks",
    operation_id="getMemberBenchmarkHistory",
    summary="A member's benchmark results, newest first",
    response_model=Page[ResultOut],
)
async def get_member_history(
    member_id: uuid.UUID, principal: AnyUser, session: Session, page: Paging
) -> Page[ResultOut]:
    """Staff read any member of their studio; a member only their own (another member's answers 404)."""
    member_id = await _member_of_studio(principal, session, member_id)
    rows, total = await benchmark_views.member_history(session, principal.studio_id, member_id, page)
    bests = await benchmark_views.member_personal_bests(session, principal.studio_id, member_id)
    best_ids = {best.result_id for _, best in bests}
    return Page.of([result_out(row, row.id in best_ids) for row in rows], total, page)


@router.get(
    "/members/{member_id}/benchmarks/personal-bests",
    operation_id="getMemberPersonalBests",
    summary="A member's personal best per benchmark and scaling",
    response_model=list[PersonalBestOut],
)
async def get_personal_bests(member_id: uuid.UUID, principal: AnyUser, session: Session) -> list[PersonalBestOut]:
    """Staff read any member of their studio; a member only their own. One per workout and scaling the member has
    results for (bounded by the studio's benchmarks), by workout name."""
    member_id = await _member_of_studio(principal, session, member_id)
    bests = await benchmark_views.member_personal_bests(session, principal.studio_id, member_id)
    return [
        PersonalBestOut(
            workout_id=workout.id,
            workout_name=workout.name,
            scaling=best.scaling,
            score=best.score,
            result_id=best.result_id,
        )
        for workout, best in bests
    ]


class MonthBestOut(BaseModel):
    scaling: Scaling
    member_id: uuid.UUID
    display_name: str | None
    score: Decimal


class WorkoutMonthOut(BaseModel):
    workout_id: uuid.UUID
    workout_name: str
    scoring: Scoring
    lower_is_better: bool
    results: int = Field(description="Results recorded in the month")
    members: int = Field(description="Members with a result in the month")
    personal_bests: int = Field(description="The month's results that beat the member's earlier best at their scaling")
    best: list[MonthBestOut] = Field(description="The month's best per scaling (Rx first), of members in rankings")


class BenchmarkMonthOut(Page[WorkoutMonthOut]):
    month: str = Field(description="The studio's calendar month, YYYY-MM", examples=["2026-11"])


@router.get(
    "/benchmark-dashboard",
    operation_id="getBenchmarkDashboard",
    summary="The studio's dashboard of one month's benchmark results",
    response_model=BenchmarkMonthOut,
)
async def get_dashboard(
    principal: Staff,
    session: Session,
    page: Paging,
    month: Annotated[
        Month | None, Query(description="The studio's calendar month; this month when left out", examples=["2026-11"])
    ] = None,
) -> BenchmarkMonthOut:
    """Staff only. Per benchmark with results recorded in the month (the studio's calendar; this month when not
    given), by name: how many results and members, how many were a new personal best, and the month's best per
    scaling with the member's name (members who opted out of rankings are not shown as a best)."""
    month = month or await studio_clock.today(session, principal.studio_id)
    dashboard = await benchmark_views.month_dashboard(session, principal.studio_id, month)
    shown, total = slice_page(dashboard.workouts, page)
    items = [
        WorkoutMonthOut(
            workout_id=workout.id,
            workout_name=workout.name,
            scoring=Scoring(workout.scoring),
            lower_is_better=workout.lower_is_better,
            results=summary.results,
            members=len(summary.members),
            personal_bests=summary.personal_bests,
            best=[
                MonthBestOut(
                    scaling=scaling,
                    member_id=best.member_id,
                    display_name=dashboard.names[best.member_id],
                    score=best.score,
                )
                for scaling, best in summary.best.items()
            ],
        )
        for workout, summary in shown
    ]
    return BenchmarkMonthOut(items=items, total=total, limit=page.limit, offset=page.offset, month=f"{month:%Y-%m}")
