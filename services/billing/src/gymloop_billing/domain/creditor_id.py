"""SEPA creditor identifier (e.g. DE98ZZZ09999999999) checks.

Layout: country code (2), check digits (2), creditor business code (3, free, not checked),
national identifier (up to 28). The check digits are ISO 7064 mod 97-10 over the national
identifier followed by the country code and check digits, letters as numbers (A=10 ... Z=35),
positions 5-7 (the business code) excluded.
"""

from __future__ import annotations

import re

from gymloop_billing.domain.errors import DomainError

_LAYOUT = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")


def creditor_id_checksum_ok(compact: str) -> bool:
    """ISO 7064 mod 97-10 over `compact` with the business code (positions 5-7) left out."""
    try:  # python-stdnum implements exactly this check; use it when installed
        from stdnum.eu import at_02  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        rearranged = compact[7:] + compact[:4]
        digits = "".join(str(int(char, 36)) for char in rearranged)
        return int(digits) % 97 == 1
    return bool(at_02.is_valid(compact))


def validate_creditor_id(value: str, field: str = "creditor_id") -> str:
    """Return the compact, upper-case creditor id or raise a DomainError saying what is wrong."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not _LAYOUT.match(compact):
        raise DomainError(
            code="creditor_id_format",
            field=field,
            message=f"creditor identifier {value!r} is not in the form CCnnXXX<national id> "
            "(e.g. DE98ZZZ09999999999): check it against the letter from your bank",
        )
    if not creditor_id_checksum_ok(compact):
        raise DomainError(
            code="creditor_id_checksum",
            field=field,
            message=f"creditor identifier {compact} has a bad checksum: check the digits",
        )
    return compact
