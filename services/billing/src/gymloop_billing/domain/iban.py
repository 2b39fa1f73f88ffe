"""IBAN checks through schwifty, turned into our DomainError with a message saying what to fix."""

from __future__ import annotations

from schwifty import IBAN
from schwifty.exceptions import (
    InvalidBBANChecksum,
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    SchwiftyException,
)

from gymloop_billing.domain.errors import DomainError


def validate_iban(value: str, field: str = "iban") -> str:
    """Return the compact IBAN (no spaces, upper case) or raise a DomainError naming the problem."""
    if not isinstance(value, str) or not value.strip():
        raise DomainError(code="iban_required", field=field, message="enter the member's IBAN")
    try:
        return str(IBAN(value).compact)
    except InvalidChecksumDigits:
        message = f"IBAN {value} has a bad checksum: check the digits"
        code = "iban_checksum"
    except InvalidBBANChecksum:
        message = f"IBAN {value} fails its national account checksum: check the account number"
        code = "iban_checksum"
    except InvalidCountryCode:
        message = f"IBAN {value} starts with an unknown country code: it must start with e.g. NL, DE, BE"
        code = "iban_country"
    except InvalidLength:
        message = f"IBAN {value} has the wrong length for its country: check for missing or extra digits"
        code = "iban_length"
    except (SchwiftyException, ValueError) as error:
        message = f"IBAN {value} is not valid ({error}): check it against the bank card or statement"
        code = "iban_invalid"
    raise DomainError(code=code, field=field, message=message)
