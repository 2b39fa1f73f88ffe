"""Member profile rules: e-mail address, names, dates, which fields a member may edit on their own."""

from __future__ import annotations

from datetime import date

from email_validator import EmailNotValidError, validate_email

from gymloop_members.domain.errors import DomainError

# What a member may change on their own profile; the rest (start date, role, status, responsible employee,
# tags) is the studio's to decide.
SELF_EDITABLE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "phone",
        "birth_date",
        "gender",
        "address",
        "emergency_contact_name",
        "emergency_contact_phone",
    }
)


def normalize_email(value: str, *, field: str = "email") -> str:
    """The address as stored and compared: syntax checked (no DNS look-up), lower-cased."""
    try:
        normalized = validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise DomainError(
            code="email_invalid", field=field, message=f"{value!r} is not an e-mail address: {error}"
        ) from None
    return normalized.lower()


def check_name(value: str, *, field: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise DomainError(code="name_empty", field=field, message=f"{field.replace('_', ' ')} is empty: fill it in")
    if len(cleaned) > 100:
        raise DomainError(code="name_too_long", field=field, message=f"{field} is longer than 100 characters")
    return cleaned


def check_length(value: str | None, *, field: str, limit: int) -> None:
    """Free-text fields the API bounds already; other callers (the importer's rows) are checked here."""
    if value is not None and len(value.strip()) > limit:
        raise DomainError(
            code="text_too_long",
            field=field,
            message=f"{field.replace('_', ' ')} has {len(value.strip())} characters, at most {limit} are allowed",
        )


def check_birth_date(birth_date: date | None, *, today: date) -> None:
    if birth_date is None:
        return
    if birth_date > today:
        raise DomainError(
            code="birth_date_in_future",
            field="birth_date",
            message=f"birth date {birth_date.isoformat()} is in the future: check the year",
        )
    if birth_date.year < today.year - 130:
        raise DomainError(
            code="birth_date_too_old",
            field="birth_date",
            message=f"birth date {birth_date.isoformat()} is more than 130 years ago: check the year",
        )


def check_self_edit(fields: set[str]) -> None:
    """A member editing their own profile may only touch the personal fields."""
    forbidden = sorted(fields - SELF_EDITABLE_FIELDS)
    if forbidden:
        raise DomainError(
            code="field_not_editable",
            field=forbidden[0],
            message=f"{forbidden[0]} is set by the studio's staff, not by the member",
        )
