"""Clear messages for pydantic's validation errors, so a client never reads a framework's wording.

Pydantic says "Input should be a valid UUID, invalid character: expected an optional prefix of `urn:uuid:`
followed by [0-9a-fA-F-], found `x` at 1"; a client should read "expected an id (a UUID such as ...)". The
error `type` stays pydantic's (a stable code); only `msg` is rewritten. Messages of our own validators
(a ValueError, or a PydanticCustomError of the kit's types) are kept, without pydantic's "Value error, ".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gymloop_kit.http.dates import DAY_FORM

DATETIME_FORM = "a date and time as YYYY-MM-DDTHH:MM:SS with its offset (e.g. 2026-11-05T18:30:00+01:00)"
UUID_EXAMPLE = "3f2b8c4e-0d1a-4e5f-9a7b-1c2d3e4f5a6b"

_FIXED: Mapping[str, str] = {
    "missing": "required: give a value",
    "int_parsing": "expected a whole number, e.g. 10",
    "int_type": "expected a whole number, e.g. 10",
    "int_from_float": "expected a whole number, without decimals",
    "float_parsing": "expected a number, e.g. 12.5",
    "float_type": "expected a number, e.g. 12.5",
    "decimal_parsing": "expected a number, e.g. 12.50",
    "decimal_type": "expected a number, e.g. 12.50",
    "finite_number": "expected a finite number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "uuid_parsing": f"expected an id (a UUID such as {UUID_EXAMPLE})",
    "uuid_type": f"expected an id (a UUID such as {UUID_EXAMPLE})",
    "uuid_version": f"expected an id (a UUID such as {UUID_EXAMPLE})",
    "date_parsing": f"expected {DAY_FORM}",
    "date_type": f"expected {DAY_FORM}",
    "date_from_datetime_parsing": f"expected {DAY_FORM}",
    "date_from_datetime_inexact": f"expected a day without a time: {DAY_FORM}",
    "datetime_parsing": f"expected {DATETIME_FORM}",
    "datetime_type": f"expected {DATETIME_FORM}",
    "datetime_from_date_parsing": f"expected {DATETIME_FORM}",
    "datetime_object_invalid": f"expected {DATETIME_FORM}",
    "timezone_aware": f"the time needs its offset: expected {DATETIME_FORM}",
    "time_parsing": "expected a time of day as HH:MM, e.g. 18:30",
    "time_type": "expected a time of day as HH:MM, e.g. 18:30",
    "time_delta_parsing": "expected a duration in seconds, e.g. 90, or as ISO 8601, e.g. PT1M30S",
    "string_type": "expected text",
    "string_unicode": "expected text in UTF-8",
    "string_pattern_mismatch": "the text does not have the expected form (see the API documentation)",
    "bytes_type": "expected text or bytes",
    "list_type": "expected a list",
    "dict_type": "expected an object",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "extra_forbidden": "unknown field: leave it out (see the API documentation for the fields)",
    "json_invalid": "the body is not valid JSON",
    "json_type": "expected a JSON document",
    "url_parsing": "expected a URL, e.g. https://example.com/path",
    "url_type": "expected a URL, e.g. https://example.com/path",
    "url_scheme": "expected a URL starting with http:// or https://",
    "frozen_field": "this field cannot be changed",
}


def _bound(word: str, key: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda ctx: f"must be {word} {ctx.get(key)}"


def _length(word: str, key: str, unit: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda ctx: f"{word} {ctx.get(key)} {unit}{'' if ctx.get(key) == 1 else 's'}"


_WITH_CONTEXT: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "greater_than_equal": _bound("at least", "ge"),
    "greater_than": _bound("more than", "gt"),
    "less_than_equal": _bound("at most", "le"),
    "less_than": _bound("less than", "lt"),
    "multiple_of": _bound("a multiple of", "multiple_of"),
    "string_too_short": _length("needs at least", "min_length", "character"),
    "string_too_long": _length("may have at most", "max_length", "character"),
    "too_short": _length("needs at least", "min_length", "item"),
    "too_long": _length("may have at most", "max_length", "item"),
    "literal_error": lambda ctx: f"expected one of {ctx.get('expected')}",
    "enum": lambda ctx: f"expected one of {ctx.get('expected')}",
}
_OWN_PREFIXES = ("Value error, ", "Assertion failed, ")


def clear_message(error: Mapping[str, Any]) -> str:
    """The message for one entry of pydantic's `errors()`: ours if the type is pydantic's own, else its msg."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in _FIXED:
        return _FIXED[kind]
    if kind in _WITH_CONTEXT:
        return _WITH_CONTEXT[kind](ctx)
    message = str(error.get("msg", ""))
    for prefix in _OWN_PREFIXES:
        message = message.removeprefix(prefix)
    return message
