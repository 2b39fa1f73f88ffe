"""Turning raw cell values into typed values, with messages that say what to type instead."""

from __future__ import annotations

import functools
import importlib
import re
import unicodedata
from datetime import date, datetime, time, timedelta

from email_validator import EmailNotValidError, validate_email
from schwifty import IBAN
from schwifty.exceptions import (
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    InvalidStructure,
    SchwiftyException,
)

_PLAIN_TYPES = (str, int, float, bool, datetime, date, time, timedelta)


# email_validator checks the domain of every address afresh (IDNA and a Unicode check per character: most of
# its time), while an import's thousands of addresses share a few domains. That check is pure in its arguments
# and validate_email only reads its result, so it is memoized where validate_email looks it up; failures raise
# and are never cached.
_email_validation = importlib.import_module("email_validator.validate_email")
_check_domain = getattr(_email_validation, "validate_email_domain_name")  # noqa: B009 (mypy sees no such name)
if not hasattr(_check_domain, "cache_info"):
    setattr(_email_validation, "validate_email_domain_name", functools.lru_cache(maxsize=4096)(_check_domain))  # noqa: B010


class CellProblem(Exception):
    """A single cell cannot be used; the validator adds the row and column to the message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def plain_cell_value(raw: object) -> object:
    """Reduce what openpyxl returns to plain values; formula objects become their literal text."""
    if raw is None or isinstance(raw, _PLAIN_TYPES):
        return raw
    text = getattr(raw, "text", None)  # ArrayFormula / DataTableFormula: never evaluated, kept as text
    if isinstance(text, str):
        return text if text.startswith("=") else f"={text}"
    return str(raw)


def is_formula(value: object) -> bool:
    return isinstance(value, str) and value.lstrip().startswith("=")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str:
    """The text a person sees in the cell, stripped; numbers lose a meaningless '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def shown(value: object) -> str:
    """How a value is quoted back in a message (long values are cut so messages stay readable)."""
    text = cell_text(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DUTCH_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):  # bool is an int too
        raise CellProblem(
            "date_invalid",
            f"{shown(value)} is a number, not a date: format the cell as a date or type yyyy-mm-dd",
        )
    text = cell_text(value)
    iso, dutch = _ISO_DATE.match(text), _DUTCH_DATE.match(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif dutch:
        day, month, year = (int(part) for part in dutch.groups())
    else:
        raise CellProblem(
            "date_invalid",
            f"{shown(value)} is not a date: use an Excel date or type yyyy-mm-dd (e.g. 2025-01-31) "
            "or dd-mm-yyyy (e.g. 31-01-2025)",
        )
    try:
        return date(year, month, day)
    except ValueError as error:
        raise CellProblem(
            "date_invalid", f"{shown(value)} is not an existing calendar date: check the day and month"
        ) from error


def parse_email(value: object) -> str:
    text = cell_text(value)
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        reason = str(error).rstrip(".")
        raise CellProblem(
            "email_invalid",
            f"{shown(value)} is not a valid e-mail address ({reason}): type an address like name@example.com",
        ) from error


def parse_yes_no(value: object) -> bool | None:
    """Yes -> True, No -> False, empty -> None (not stated)."""
    if value is True or value is False:
        return value
    text = cell_text(value).casefold()
    if text == "":
        return None
    if text == "yes":
        return True
    if text == "no":
        return False
    raise CellProblem("yes_no_invalid", f"{shown(value)} is not Yes or No: choose Yes, No or leave it empty")


def parse_iban(value: object) -> str:
    """The IBAN in compact form (no spaces, upper case), or a message naming what is wrong with it."""
    text = cell_text(value)
    try:
        return IBAN(text).compact
    except InvalidChecksumDigits as error:
        reason = "has a bad checksum: check the digits"
        raise CellProblem("iban_invalid", f"IBAN {shown(value)} {reason}") from error
    except InvalidCountryCode as error:
        reason = "does not start with a known country code: it starts with two letters like NL or BE"
        raise CellProblem("iban_invalid", f"IBAN {shown(value)} {reason}") from error
    except InvalidLength as error:
        reason = "has the wrong length for its country: check for missing or extra characters"
        raise CellProblem("iban_invalid", f"IBAN {shown(value)} {reason}") from error
    except InvalidStructure as error:
        reason = "does not have the structure of its country: check for letters typed as digits (O/0, I/1)"
        raise CellProblem("iban_invalid", f"IBAN {shown(value)} {reason}") from error
    except SchwiftyException as error:
        raise CellProblem(
            "iban_invalid", f"IBAN {shown(value)} is not valid ({error}): check it against the bank card"
        ) from error


_PHONE = re.compile(r"^\+?[0-9 ()./-]+$")


def parse_phone(value: object) -> str:
    text = cell_text(value)
    digit_count = sum(character.isdigit() for character in text)
    if not _PHONE.match(text) or not 6 <= digit_count <= 15:
        raise CellProblem(
            "phone_invalid",
            f"{shown(value)} is not a phone number: use 6 to 15 digits, spaces and an optional leading +, "
            "e.g. +31 6 12345678",
        )
    return text


MAX_TAG_LENGTH = 50


def parse_tags(value: object) -> tuple[str, ...]:
    """Comma separated tags, trimmed, empty ones dropped, duplicates (ignoring case) removed."""
    tags: list[str] = []
    seen: set[str] = set()
    for part in cell_text(value).split(","):
        tag = part.strip()
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise CellProblem(
                "tag_too_long",
                f"tag {shown(tag)} has {len(tag)} characters; at most {MAX_TAG_LENGTH} are allowed: shorten it",
            )
        seen.add(tag.casefold())
        tags.append(tag)
    return tuple(tags)
