"""Characters that make no sense in one-line text (names, subjects): plain Python, so domain code uses it.

Control characters (Unicode category Cc, e.g. NUL, TAB, CR, LF, U+0085) and the line and paragraph separators
(U+2028, U+2029, categories Zl and Zp) break e-mail headers, spreadsheet cells and log lines; a lone surrogate
(Cs) cannot be encoded at all. Formatting characters (Cf) stay allowed: emoji and some scripts need them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

BREAKING_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})


def breaking_characters(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The characters of `text` that break one-line text, in order, each written as its code point (e.g.
    "U+2028"), so an error message can name them; characters in `allowed` are let through."""
    permitted = set(allowed)
    return [
        f"U+{ord(ch):04X}" for ch in text if ch not in permitted and unicodedata.category(ch) in BREAKING_CATEGORIES
    ]


def without_breaking_characters(text: str, replacement: str = " ") -> str:
    """`text` with each breaking character replaced: for showing old data that predates the check."""
    return "".join(replacement if unicodedata.category(ch) in BREAKING_CATEGORIES else ch for ch in text)
