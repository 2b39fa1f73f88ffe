"""The EPC basic Latin character set that SEPA files may carry, and transliteration into it.

Allowed: a-z A-Z 0-9 / - ? : ( ) . , ' + and space.
Choices (documented here because banks differ):
- Accented letters lose their accents (Unicode NFKD): 'Zoë Müller' -> 'Zoe Muller'.
- Letters NFKD cannot split get a fixed spelling: ß->ss, æ->ae, ø->o, œ->oe, ł->l, đ/ð->d, þ->th.
- '&' becomes '+': it keeps the length, is language-neutral (no 'en'/'and'/'und' guess) and is in
  the EPC set. Callers report it as a warning so staff can fix the source record if they want.
- Typographic quotes and dashes become ' and -; tabs and newlines become spaces; runs of spaces
  collapse to one.
- Anything else (Cyrillic, emoji, '@', '_', ...) is rejected with the offending characters named.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from gymloop_billing.domain.errors import DomainError

EPC_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")
IDENTIFIER_ALLOWED = EPC_ALLOWED - {" "}

NAME_MAX_LENGTH = 70
REMITTANCE_MAX_LENGTH = 140
END_TO_END_ID_MAX_LENGTH = 35
MANDATE_ID_MAX_LENGTH = 35

_FIXED_SPELLINGS = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "œ": "oe",
    "Œ": "OE",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "TH",
    "\u0131": "i",  # dotless i
    "&": "+",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "`": "'",
    "\u00b4": "'",
    "\u201c": "'",
    "\u201d": "'",
    '"': "'",
    "\u2013": "-",
    "\u2014": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\t": " ",
    "\n": " ",
    "\r": " ",
    "\u00a0": " ",
}
_SPACES = re.compile(r" {2,}")


@dataclass(frozen=True, slots=True)
class EpcText:
    """A string that is safe for a SEPA file, with what was done to get there."""

    text: str
    original: str
    ampersand_replaced: bool
    transliterated: bool
    truncated: bool


def to_epc_text(value: str, *, field: str, max_length: int, truncate: bool = False) -> EpcText:
    """Transliterate `value` into the EPC set; reject what cannot be, or what is too long.

    With `truncate=True` an over-long text is cut to `max_length` (for names and remittance text,
    as banks do) and `truncated` is set so the caller can warn; otherwise it is an error.
    """
    if not isinstance(value, str) or not value.strip():
        raise DomainError(code="text_required", field=field, message=f"{field} must not be empty")
    converted = _transliterate(value)
    rejected = sorted({char for char in converted if char not in EPC_ALLOWED})
    if rejected:
        shown = ", ".join(repr(char) for char in rejected)
        raise DomainError(
            code="text_not_epc",
            field=field,
            message=f"{field} {value!r} contains characters a SEPA file cannot carry ({shown}): "
            "replace them with plain letters, digits or / - ? : ( ) . , ' +",
        )
    text = _SPACES.sub(" ", converted).strip()
    if not text:  # e.g. a lone combining mark or cedilla: transliterated to nothing but spaces
        raise DomainError(
            code="text_required",
            field=field,
            message=f"{field} {value!r} has no letters or digits a SEPA file can carry",
        )
    truncated = False
    if len(text) > max_length:
        if not truncate:
            raise DomainError(
                code="text_too_long",
                field=field,
                message=f"{field} has {len(text)} characters: shorten it to {max_length}",
            )
        text, truncated = text[:max_length].rstrip(), True
    return EpcText(
        text=text,
        original=value,
        ampersand_replaced="&" in value,
        transliterated=converted != value,
        truncated=truncated,
    )


def is_epc_text(value: str) -> bool:
    return all(char in EPC_ALLOWED for char in value)


def validate_sepa_identifier(value: str, *, field: str, max_length: int = 35) -> str:
    """Check a SEPA identifier (mandate id, end-to-end id): EPC set without spaces, no '//' and
    no '/' at either end (EPC implementation guidelines)."""
    if not isinstance(value, str) or not value:
        raise DomainError(code="identifier_required", field=field, message=f"{field} must not be empty")
    if len(value) > max_length:
        raise DomainError(
            code="identifier_too_long",
            field=field,
            message=f"{field} {value!r} has {len(value)} characters: use at most {max_length}",
        )
    rejected = sorted({char for char in value if char not in IDENTIFIER_ALLOWED})
    if rejected:
        shown = ", ".join(repr(char) for char in rejected)
        raise DomainError(
            code="identifier_invalid_characters",
            field=field,
            message=f"{field} {value!r} contains characters not allowed in a SEPA identifier ({shown}): "
            "use letters, digits and / - ? : ( ) . , ' + without spaces",
        )
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise DomainError(
            code="identifier_invalid_slashes",
            field=field,
            message=f"{field} {value!r} must not start or end with '/' nor contain '//'",
        )
    return value


def _transliterate(value: str) -> str:
    spelled = "".join(_FIXED_SPELLINGS.get(char, char) for char in value)
    decomposed = unicodedata.normalize("NFKD", spelled)
    return "".join(char for char in decomposed if not unicodedata.combining(char))
