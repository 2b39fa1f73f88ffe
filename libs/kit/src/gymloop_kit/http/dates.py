"""A day and a month as people type them in a query (`?day=2026-11-05`, `?month=2026-11`), and a wall time.

    async def agenda(day: Day, ...)            # a date
    async def revenue(first_month: Month, ...) # the first day of that month
    start_time: WallTime                       # 18:30 in the studio's zone, never with an offset

A day is YYYY-MM-DD (ISO 8601, what the API writes), and also YYYY/MM/DD, YYYYMMDD, DD-MM-YYYY and DD/MM/YYYY
(day first, as in the Netherlands and most of Europe; never month first). A month is YYYY-MM, and also YYYY/MM,
MM-YYYY, MM/YYYY, or a whole day (the month it lies in). Anything else is a field error that says the expected
form. The documented schema shows the canonical form; the other spellings are for people typing a URL.

A wall time is documented as a pattern, not as JSON Schema's `format: time` (RFC 3339's full-time, which requires
an offset): our times are studio-local, so what the API writes (`18:30:00`) must match what it documents.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

DAY_FORM = "a day as YYYY-MM-DD (e.g. 2026-11-05; DD-MM-YYYY and YYYY/MM/DD work too)"
WALL_TIME_FORM = "a local wall-clock time as HH:MM or HH:MM:SS in the studio's zone, without an offset (e.g. 18:30)"
MONTH_FORM = "a month as YYYY-MM (e.g. 2026-11; MM-YYYY, YYYY/MM or a day in the month work too)"

_YEAR_FIRST = re.compile(r"(?P<year>\d{4})(?P<sep>[-/.]?)(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})")
_DAY_FIRST = re.compile(r"(?P<day>\d{1,2})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})")
_WALL_TIME = re.compile(r"(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?")
_MONTH_YEAR_FIRST = re.compile(r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})")
_MONTH_MONTH_FIRST = re.compile(r"(?P<month>\d{1,2})[-/.](?P<year>\d{4})")


def _calendar_day(year: str, month: str, day: str, form: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise PydanticCustomError(
            "day_not_in_calendar",
            "that day is not in the calendar (check the month and the day): expected {form}",
            {"form": form},
        ) from None


def _day_in(text: str, form: str) -> date | None:
    """The day `text` spells, None when it spells no day; a day not in the calendar is a field error."""
    if (match := _YEAR_FIRST.fullmatch(text)) and (match["sep"] or len(text) == 8):
        return _calendar_day(match["year"], match["month"], match["day"], form)
    if match := _DAY_FIRST.fullmatch(text):
        return _calendar_day(match["year"], match["month"], match["day"], form)
    return None


def parse_day(value: Any) -> date:
    """The day `value` names in one of the accepted spellings; PydanticCustomError (a field error) otherwise."""
    if isinstance(value, date):
        return value
    day = _day_in(str(value).strip(), DAY_FORM)
    if day is None:
        raise PydanticCustomError("day_invalid", "expected {form}", {"form": DAY_FORM})
    return day


def parse_month(value: Any) -> date:
    """The first day of the month `value` names (a month, or a day in it); PydanticCustomError otherwise."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value).strip()
    match = _MONTH_YEAR_FIRST.fullmatch(text) or _MONTH_MONTH_FIRST.fullmatch(text)
    if match is None:
        day = _day_in(text, MONTH_FORM)
        if day is None:
            raise PydanticCustomError("month_invalid", "expected {form}", {"form": MONTH_FORM})
        return day.replace(day=1)
    if not 1 <= int(match["month"]) <= 12:
        raise PydanticCustomError("month_invalid", "there is no month {month}: expected {form}",
                                  {"month": match["month"], "form": MONTH_FORM})  # fmt: skip
    return date(int(match["year"]), int(match["month"]), 1)


def parse_wall_time(value: Any) -> time:
    """The wall time `value` spells (HH:MM or HH:MM:SS); PydanticCustomError for anything else, offsets included."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise PydanticCustomError("wall_time_with_offset", "expected {form}", {"form": WALL_TIME_FORM})
        return value
    match = _WALL_TIME.fullmatch(str(value).strip())
    if match is None:
        raise PydanticCustomError("wall_time_invalid", "expected {form}", {"form": WALL_TIME_FORM})
    return time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))


Day = Annotated[
    date,
    BeforeValidator(parse_day),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-11-05"], "description": DAY_FORM}),
]
Month = Annotated[
    date,
    BeforeValidator(parse_month),
    WithJsonSchema({"type": "string", "examples": ["2026-11"], "description": MONTH_FORM}),
]
WallTime = Annotated[
    time,
    BeforeValidator(parse_wall_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
            "examples": ["18:30:00"],
            "description": WALL_TIME_FORM,
        }
    ),
]
