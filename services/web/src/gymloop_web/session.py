"""The browser's session: one cookie holding the user's tokens, sealed (encrypted and authenticated) with Fernet.

Why sealed rather than only signed (itsdangerous): the cookie carries the refresh token, a credential for the
gateway's API on its own. Signed, it would be readable by whatever sees the cookie (a proxy's or a browser
extension's log, a support screenshot of the dev tools); sealed, only this app can open it, and it still needs no
server-side store, so the web app stays stateless and any replica opens any cookie. Fernet (AES-128-CBC with
HMAC-SHA256 and a timestamp) comes with `cryptography`, already used by the kit's JWT code; MultiFernet lets a new
secret seal while the previous ones still open (rotation). The timestamp bounds a cookie's life on the server
side too, whatever Max-Age the browser honours.

Every visitor has a session, anonymous until login, so the login and password forms carry a CSRF token too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

COOKIE_NAME = "gymloop_session"
STAFF_ROLES = frozenset({"employee", "admin"})
MEMBER_ROLE = "member"


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class StudioChoice:
    studio_id: str
    studio_name: str
    role: str


@dataclass
class WebSession:
    csrf: str = field(default_factory=new_csrf_token)
    access_token: str | None = None
    refresh_token: str | None = None
    access_expires_at: float = 0.0
    account_id: str | None = None
    email: str | None = None
    studio_id: str | None = None
    studio_name: str | None = None
    role: str | None = None
    member_id: str | None = None
    studios: list[StudioChoice] = field(default_factory=list)
    # The token of a set-password e-mail link, kept here so it leaves the address bar (and the history) at once.
    password_token: str | None = None
    # The same for the token of a sign-up confirmation link (the member app's /verify-email).
    verify_token: str | None = None
    # The member app's latest pack payment: where iDEAL's return from the bank leads (its address names no payment).
    pack_payment_id: str | None = None

    @property
    def logged_in(self) -> bool:
        return self.access_token is not None and self.refresh_token is not None

    @property
    def is_staff(self) -> bool:
        return self.logged_in and self.role in STAFF_ROLES

    @property
    def is_member(self) -> bool:
        """Logged in with a member's token: the member app's pages are for them."""
        return self.logged_in and self.role == MEMBER_ROLE

    @property
    def is_admin(self) -> bool:
        return self.logged_in and self.role == "admin"

    def other_studios(self) -> list[StudioChoice]:
        return [studio for studio in self.studios if studio.studio_id != self.studio_id]

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> WebSession:
        data: dict[str, Any] = json.loads(raw)
        data["studios"] = [StudioChoice(**studio) for studio in data.get("studios", [])]
        return cls(**data)


def _fernet_key(secret: str) -> bytes:
    """A Fernet key (32 bytes, urlsafe base64) from a secret of any length: its SHA-256."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


class SessionSealer:
    """Seals a session into a cookie value and opens it again; a cookie that was tampered with, sealed with an
    unknown secret, older than `max_age_s` or unreadable opens as nothing (the visitor starts anonymous)."""

    def __init__(self, secrets_: list[str], max_age_s: int) -> None:
        if not secrets_:
            raise ValueError("at least one session secret is needed")
        self._fernet = MultiFernet([Fernet(_fernet_key(secret)) for secret in secrets_])
        self.max_age_s = max_age_s

    def seal(self, session: WebSession) -> str:
        return self._fernet.encrypt(session.to_json()).decode()

    def open(self, value: str) -> WebSession | None:
        try:
            raw = self._fernet.decrypt(value.encode(), ttl=self.max_age_s)
            return WebSession.from_json(raw)
        except (InvalidToken, ValueError, TypeError, KeyError):
            return None
