"""A studio's short slug: the address of its public page (`/studios/<slug>`), lower-case letters, digits and
single hyphens, so it reads well in a link and on a poster."""

from __future__ import annotations

import re
import secrets
import unicodedata

from gymloop_members.domain.errors import DomainError

SLUG_MAX = 63
SLUG_MIN = 3
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slug_from_name(name: str) -> str:
    """A slug proposed from a studio's name: accents dropped, everything else between words becomes one hyphen."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[: SLUG_MAX - 5].strip("-")
    return slug if len(slug) >= SLUG_MIN else "studio"


def with_suffix(slug: str) -> str:
    """The proposed slug made unique enough to try again when a studio of the same name has it."""
    return f"{slug[: SLUG_MAX - 5].rstrip('-')}-{secrets.token_hex(2)}"


def check_slug(value: str, *, field: str = "slug") -> str:
    slug = value.strip().lower()
    if not SLUG_MIN <= len(slug) <= SLUG_MAX or not _SLUG.match(slug):
        raise DomainError(
            code="slug_invalid",
            field=field,
            message=f"a slug has {SLUG_MIN} to {SLUG_MAX} lower-case letters, digits and single hyphens between them,"
            " like 'fit-amsterdam'",
        )
    return slug
