"""Benchmark scoring: units, bad values as field errors, which score is better, personal bests, leaderboards."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from gymloop_bookings.domain.benchmarks import (
    ResultEntry,
    Scaling,
    ScoredResult,
    Scoring,
    Workout,
    check_workout,
    default_lower_is_better,
    is_better,
    leaderboard,
    personal_best,
    score,
)
from gymloop_kit.errors import InvalidFields

pytestmark = pytest.mark.unit

FRAN = Workout(Scoring.TIME, lower_is_better=True)
DEADLIFT = Workout(Scoring.LOAD, lower_is_better=False)
CINDY = Workout(Scoring.ROUNDS_REPS, lower_is_better=False, reps_per_round=30)
ANNA, BEN, CLEO = (uuid.UUID(int=n) for n in (1, 2, 3))


def entry(value: str, unit: str, scaling: Scaling = Scaling.RX, rounds: int | None = None) -> ResultEntry:
    return ResultEntry(Decimal(value), unit, scaling, rounds)


def result(
    member: uuid.UUID, value: str, scaling: Scaling = Scaling.RX, gender: str | None = "f", ranked: bool = True
) -> ScoredResult:
    return ScoredResult(uuid.uuid4(), member, Decimal(value), scaling, gender, ranked)


def refused_fields(workout: Workout, bad: ResultEntry) -> tuple[str | None, ...]:
    with pytest.raises(InvalidFields) as refused:
        score(workout, bad)
    return refused.value.fields


def test_units_are_converted_to_one_canonical_number() -> None:
    assert score(FRAN, entry("3.5", "min")) == Decimal(210)
    assert score(FRAN, entry("210", "s")) == Decimal(210)
    assert score(DEADLIFT, entry("100", "lb")) == Decimal("45.359237")
    assert score(Workout(Scoring.DISTANCE, False), entry("2", "km")) == Decimal(2000)


def test_rounds_and_reps_count_a_round_as_its_reps() -> None:
    assert score(CINDY, entry("7", "rounds_reps", rounds=20)) == Decimal(607)


def test_a_unit_the_scoring_does_not_allow_is_a_field_error() -> None:
    assert refused_fields(FRAN, entry("100", "kg")) == ("unit",)


def test_negative_and_absurd_values_are_field_errors() -> None:
    assert refused_fields(FRAN, entry("-1", "s")) == ("value",)
    assert refused_fields(FRAN, entry("2000", "min")) == ("value",)
    assert refused_fields(FRAN, entry("0", "s")) == ("value",)
    assert refused_fields(DEADLIFT, entry("5000", "kg")) == ("value",)


def test_every_problem_of_an_entry_is_reported_at_once() -> None:
    assert refused_fields(CINDY, entry("-2.5", "kg")) == ("unit", "value", "value", "rounds")


def test_rounds_only_apply_to_rounds_and_reps() -> None:
    assert refused_fields(FRAN, entry("200", "s", rounds=3)) == ("rounds",)


def test_a_workout_definition_is_checked_field_by_field() -> None:
    assert check_workout("  Fran ", "21-15-9", Scoring.TIME, None) == ("Fran", "21-15-9")
    with pytest.raises(InvalidFields) as refused:
        check_workout(" ", "", Scoring.ROUNDS_REPS, None)
    assert refused.value.fields == ("name", "reps_per_round")


def test_only_time_is_lower_is_better_by_default() -> None:
    assert default_lower_is_better(Scoring.TIME)
    assert not default_lower_is_better(Scoring.LOAD)


def test_better_follows_the_direction_and_a_tie_is_not_better() -> None:
    assert is_better(FRAN, Decimal(180), Decimal(200))
    assert not is_better(DEADLIFT, Decimal(180), Decimal(200))
    assert not is_better(FRAN, Decimal(200), Decimal(200))
    assert is_better(FRAN, Decimal(999), None)


def test_personal_best_is_per_scaling() -> None:
    history = [result(ANNA, "300"), result(ANNA, "250", Scaling.SCALED), result(ANNA, "280"), result(ANNA, "290")]
    best_rx = personal_best(FRAN, history)
    assert best_rx is not None
    assert best_rx.score == Decimal(280)
    best_scaled = personal_best(FRAN, history, Scaling.SCALED)
    assert best_scaled is not None
    assert best_scaled.score == Decimal(250)
    assert personal_best(DEADLIFT, [], Scaling.RX) is None


def test_leaderboard_ranks_each_members_best_and_hides_opted_out_members() -> None:
    results = [
        result(ANNA, "300"),
        result(BEN, "240", gender="m"),
        result(ANNA, "260"),
        result(CLEO, "200", ranked=False),
        result(BEN, "150", Scaling.SCALED, gender="m"),
    ]
    board = leaderboard(FRAN, results, Scaling.RX)
    assert [(r.rank, r.result.member_id, r.result.score) for r in board] == [
        (1, BEN, Decimal(240)),
        (2, ANNA, Decimal(260)),
    ]
    assert [r.result.member_id for r in leaderboard(FRAN, results, Scaling.RX, gender="f")] == [ANNA]
    assert [r.result.member_id for r in leaderboard(FRAN, results, Scaling.SCALED)] == [BEN]


def test_equal_scores_share_a_rank() -> None:
    board = leaderboard(DEADLIFT, [result(ANNA, "100"), result(BEN, "100"), result(CLEO, "90")], Scaling.RX)
    assert [r.rank for r in board] == [1, 1, 3]
