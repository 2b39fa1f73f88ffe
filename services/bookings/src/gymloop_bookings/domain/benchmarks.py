"""Benchmark workouts: how a result is scored, checked, compared and ranked (pure rules, no I/O).

A workout is scored one way (time, reps, rounds+reps, load or distance). Every result is turned into one canonical
number per scoring (seconds, reps, reps counting a round as `reps_per_round`, kilograms, metres) so results entered
in different units compare directly; "lower is better" says which way is better (a time usually, a row for
distance at a fixed time never). Rx and scaled results are not comparable, so leaderboards and personal bests
are kept per scaling.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from gymloop_kit.errors import InvalidFields, InvalidInput


class Scoring(StrEnum):
    TIME = "time"
    REPS = "reps"
    ROUNDS_REPS = "rounds_reps"
    LOAD = "load"
    DISTANCE = "distance"


class Scaling(StrEnum):
    RX = "rx"
    SCALED = "scaled"


# Per scoring: each allowed unit and how many canonical units one of it is.
UNITS: dict[Scoring, dict[str, Decimal]] = {
    Scoring.TIME: {"s": Decimal(1), "min": Decimal(60)},
    Scoring.REPS: {"reps": Decimal(1)},
    Scoring.ROUNDS_REPS: {"rounds_reps": Decimal(1)},
    Scoring.LOAD: {"kg": Decimal(1), "lb": Decimal("0.45359237")},
    Scoring.DISTANCE: {"m": Decimal(1), "km": Decimal(1000), "mi": Decimal("1609.344")},
}

# Beyond these (in canonical units) a value is a typo, not a performance: a day, 100 000 reps, 1 000 kg, 1 000 km.
ABSURD_ABOVE: dict[Scoring, Decimal] = {
    Scoring.TIME: Decimal(24 * 3600),
    Scoring.REPS: Decimal(100_000),
    Scoring.ROUNDS_REPS: Decimal(100_000),
    Scoring.LOAD: Decimal(1000),
    Scoring.DISTANCE: Decimal(1_000_000),
}

MAX_ROUNDS = 1000
NAME_MAX, DESCRIPTION_MAX, NOTE_MAX = 80, 2000, 500


@dataclass(frozen=True, slots=True)
class Workout:
    """What scoring needs of a benchmark workout."""

    scoring: Scoring
    lower_is_better: bool
    reps_per_round: int | None = None  # rounds+reps only: turns "5 rounds + 3" into 5 * reps_per_round + 3


def default_lower_is_better(scoring: Scoring) -> bool:
    """Only a time is better when lower; a studio can say otherwise (e.g. time capped or for distance at a pace)."""
    return scoring is Scoring.TIME


def check_workout(name: str, description: str, scoring: Scoring, reps_per_round: int | None) -> tuple[str, str]:
    """The workout's name and description, trimmed; every problem with them at once as field errors."""
    problems: list[InvalidInput] = []
    name, description = name.strip(), description.strip()
    if not name or len(name) > NAME_MAX:
        problems.append(
            InvalidInput(f"give a name of 1 to {NAME_MAX} characters", code="benchmark_name_invalid", field="name")
        )
    if len(description) > DESCRIPTION_MAX:
        problems.append(
            InvalidInput(
                f"keep the description under {DESCRIPTION_MAX} characters",
                code="benchmark_description_too_long",
                field="description",
            )
        )
    if scoring is Scoring.ROUNDS_REPS and (reps_per_round is None or not 1 <= reps_per_round <= 10_000):
        problems.append(
            InvalidInput(
                "a rounds+reps workout needs the reps of one round (1 to 10000) to compare partial rounds",
                code="reps_per_round_required",
                field="reps_per_round",
            )
        )
    if scoring is not Scoring.ROUNDS_REPS and reps_per_round is not None:
        problems.append(
            InvalidInput(
                "reps_per_round only applies to rounds+reps workouts",
                code="reps_per_round_not_applicable",
                field="reps_per_round",
            )
        )
    if problems:
        raise InvalidFields(problems)
    return name, description


@dataclass(frozen=True, slots=True)
class ResultEntry:
    """A result as entered: `value` in `unit`, or `rounds` and `value` extra reps for rounds+reps."""

    value: Decimal
    unit: str
    scaling: Scaling
    rounds: int | None = None
    note: str = ""


def score(workout: Workout, entry: ResultEntry) -> Decimal:
    """The canonical score of an entry, or every problem with it as field errors (the entry changes nothing)."""
    problems: list[InvalidInput] = []
    units = UNITS[workout.scoring]
    if entry.unit not in units:
        problems.append(
            InvalidInput(
                f"a {workout.scoring.value} workout is scored in {', '.join(units)}, not {entry.unit!r}",
                code="benchmark_unit_not_allowed",
                field="unit",
            )
        )
    if not entry.value.is_finite() or entry.value < 0:
        problems.append(InvalidInput("the value cannot be negative", code="benchmark_value_negative", field="value"))
    if workout.scoring in (Scoring.REPS, Scoring.ROUNDS_REPS) and entry.value != entry.value.to_integral_value():
        problems.append(InvalidInput("reps are whole numbers", code="benchmark_value_not_whole", field="value"))
    if workout.scoring is Scoring.ROUNDS_REPS:
        if entry.rounds is None or not 0 <= entry.rounds <= MAX_ROUNDS:
            problems.append(
                InvalidInput(
                    f"give the completed rounds (0 to {MAX_ROUNDS}) and the extra reps as value",
                    code="benchmark_rounds_invalid",
                    field="rounds",
                )
            )
    elif entry.rounds is not None:
        problems.append(
            InvalidInput(
                "rounds only apply to rounds+reps workouts", code="benchmark_rounds_not_applicable", field="rounds"
            )
        )
    if len(entry.note) > NOTE_MAX:
        problems.append(
            InvalidInput(f"keep the note under {NOTE_MAX} characters", code="benchmark_note_too_long", field="note")
        )
    if problems:
        raise InvalidFields(problems)
    canonical = entry.value * units[entry.unit]
    if workout.scoring is Scoring.ROUNDS_REPS:  # rounds checked above, reps_per_round when the workout was defined
        canonical += (entry.rounds or 0) * (workout.reps_per_round or 0)
    if canonical > ABSURD_ABOVE[workout.scoring] or (workout.scoring is Scoring.TIME and canonical == 0):
        raise InvalidFields(
            [
                InvalidInput(
                    f"{entry.value} {entry.unit} is not a plausible {workout.scoring.value} result: check the value",
                    code="benchmark_value_absurd",
                    field="value",
                )
            ]
        )
    return canonical


def is_better(workout: Workout, candidate: Decimal, than: Decimal | None) -> bool:
    """Whether `candidate` beats `than` (no earlier score: it does). Equal is not better: the first one stands."""
    if than is None:
        return True
    return candidate < than if workout.lower_is_better else candidate > than


@dataclass(frozen=True, slots=True)
class ScoredResult:
    """What ranking needs of one recorded result."""

    result_id: uuid.UUID
    member_id: uuid.UUID
    score: Decimal
    scaling: Scaling
    gender: str | None
    ranked: bool  # False: the member opted out of rankings


def personal_best(
    workout: Workout, results: Iterable[ScoredResult], scaling: Scaling = Scaling.RX
) -> ScoredResult | None:
    """A member's best result at one scaling (results in the order they were recorded; the first of equals wins)."""
    best: ScoredResult | None = None
    for result in results:
        if result.scaling is scaling and is_better(workout, result.score, best.score if best else None):
            best = result
    return best


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    result: ScoredResult


def leaderboard(
    workout: Workout,
    results: Sequence[ScoredResult],
    scaling: Scaling,
    gender: str | None = None,
) -> list[Ranked]:
    """Each ranked member's best at `scaling` (and `gender` when given), best first; equal scores share a rank.

    `results` in the order they were recorded, so the earlier of two equal scores of one member is theirs.
    """
    best_per_member: dict[uuid.UUID, ScoredResult] = {}
    for result in results:
        if not result.ranked or result.scaling is not scaling or (gender is not None and result.gender != gender):
            continue
        current = best_per_member.get(result.member_id)
        if is_better(workout, result.score, current.score if current else None):
            best_per_member[result.member_id] = result
    ordered = sorted(best_per_member.values(), key=lambda r: r.score, reverse=not workout.lower_is_better)
    ranked: list[Ranked] = []
    for position, result in enumerate(ordered, start=1):
        rank = ranked[-1].rank if ranked and ranked[-1].result.score == result.score else position
        ranked.append(Ranked(rank, result))
    return ranked
