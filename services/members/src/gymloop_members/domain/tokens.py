"""Opaque tokens (refresh, password reset, set password): random, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Literal

from gymloop_members.domain.errors import DomainError

TOKEN_BYTES = 32


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store: the database never holds a usable token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # A plain sha256 is enough: the token has 256 random bits, so there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


RefreshVerdict = Literal["valid", "reused", "revoked", "expired"]


def refresh_verdict(
    *, used_at: datetime | None, revoked_at: datetime | None, expires_at: datetime, now: datetime
) -> RefreshVerdict:
    """A refresh token is good once. Showing a used one again means it leaked: the caller revokes the family."""
    if revoked_at is not None:
        return "revoked"
    if used_at is not None:
        return "reused"
    if expires_at <= now:
        return "expired"
    return "valid"


def check_one_time_token(*, used_at: datetime | None, expires_at: datetime, now: datetime) -> None:
    """Password reset and set-password tokens: single use, short-lived."""
    if used_at is not None:
        raise DomainError(
            code="token_used", field="token", message="this link was already used: ask for a new password e-mail"
        )
    if expires_at <= now:
        raise DomainError(
            code="token_expired", field="token", message="this link has expired: ask for a new password e-mail"
        )
