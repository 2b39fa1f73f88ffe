"""A benchmark result's canonical score (bookings' seconds, reps, kilograms or metres, as a decimal string in its
events and answers) as a member reads it, so a message and a page show the same: 265 s of a time as 4:25."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# The unit of a canonical score per scoring (a time is shown as minutes and seconds instead).
_UNITS = {"reps": "reps", "rounds_reps": "reps", "load": "kg", "distance": "m"}


def shown_score(scoring: str, score: object) -> str:
    try:
        value = Decimal(str(score)).normalize()
    except InvalidOperation:
        return str(score)
    if scoring == "time":
        minutes, seconds = divmod(value, 60)
        return f"{int(minutes)}:{seconds:05.2f}".removesuffix(".00")
    return f"{value:f} {_UNITS.get(scoring, '')}".strip()
