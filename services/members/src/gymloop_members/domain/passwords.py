"""Password strength: long enough, not one kind of character, not built from the e-mail address."""

from __future__ import annotations

import re
import string

from gymloop_members.domain.errors import DomainError

MIN_LENGTH = 10
MAX_LENGTH = 256

# The handful of passwords that pass the length rule and still top every breach list.
COMMON_PASSWORDS = frozenset(
    {"password123", "password1234", "qwerty12345", "1234567890a", "welcome123", "letmein1234", "iloveyou12"}
)


def _character_kinds(password: str) -> int:
    kinds = (
        any(ch in string.ascii_lowercase for ch in password),
        any(ch in string.ascii_uppercase for ch in password),
        any(ch.isdigit() for ch in password),
        any(not ch.isalnum() for ch in password) or any(ch.isalpha() and not ch.isascii() for ch in password),
    )
    return sum(kinds)


def check_password_strength(password: str, email: str | None = None, *, field: str = "password") -> None:
    """Raise a DomainError saying what to change when the password is weak."""
    if len(password) < MIN_LENGTH:
        raise DomainError(
            code="password_too_short",
            field=field,
            message=f"the password has {len(password)} characters: use at least {MIN_LENGTH}",
        )
    if len(password) > MAX_LENGTH:
        raise DomainError(
            code="password_too_long", field=field, message=f"the password is longer than {MAX_LENGTH} characters"
        )
    if _character_kinds(password) < 2:
        raise DomainError(
            code="password_one_kind",
            field=field,
            message="the password uses only one kind of character: mix letters with digits, capitals or symbols",
        )
    if password.lower() in COMMON_PASSWORDS:
        raise DomainError(
            code="password_common", field=field, message="this password is one of the most guessed: choose another"
        )
    if email:
        for part in email_name_parts(email):
            if part in _letters_and_digits(password):
                raise DomainError(
                    code="password_contains_email",
                    field=field,
                    message=f"the password contains {part!r} from your e-mail address: choose one without it",
                )


def _letters_and_digits(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


def email_name_parts(email: str) -> list[str]:
    """The e-mail's local part without punctuation, and its words of 4+ characters ("first.login" gives
    "firstlogin", "first", "login"): a password built from them is guessed first."""
    local = email.split("@", 1)[0].lower()
    words = [_letters_and_digits(word) for word in re.split(r"[._+\-]+", local)]
    whole = _letters_and_digits(local)
    return [part for part in dict.fromkeys([whole, *words]) if len(part) >= 4 or (part == whole and len(part) >= 3)]
