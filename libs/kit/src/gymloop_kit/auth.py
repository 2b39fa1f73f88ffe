"""Access tokens: Ed25519-signed JWTs scoped to one studio. Only the members service holds the private key;
every other service (and the gateway) verifies with the public key, so no service can mint a token."""

from __future__ import annotations

import enum
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from cachetools import TLRUCache
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gymloop_kit.errors import Forbidden, NotFound, Unauthorized

ALGORITHM = "EdDSA"


class Role(enum.IntEnum):
    """Ordered: an admin may do what an employee may, an employee what a member may."""

    member = 1
    employee = 2
    admin = 3


@dataclass(frozen=True)
class Principal:
    account_id: uuid.UUID
    studio_id: uuid.UUID
    role: Role
    member_id: uuid.UUID | None
    token_id: str

    @property
    def is_staff(self) -> bool:
        return self.role >= Role.employee

    def ensure_studio(self, studio_id: uuid.UUID) -> None:
        """Another studio's resource is answered as not found: its existence is not revealed."""
        if studio_id != self.studio_id:
            raise NotFound()


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> KeyPair:
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        return cls(private, public)


# Verified tokens kept per verifier: a member's app sends the same token with every request for its lifetime.
VERIFIED_TOKENS_KEPT = 8192


def _until_expiry(_token: str, verified: tuple[Principal, float], _now: float) -> float:
    return verified[1]


class TokenVerifier:
    """Checks signature and claims once per token and keeps the principal until the token's `exp` (the check's
    answer cannot change before then: tokens are not revoked, they expire). Only accepted tokens are kept."""

    def __init__(self, public_key_pem: str, *, issuer: str = "gymloop", audience: str = "gymloop-api") -> None:
        if not public_key_pem:
            raise ValueError("GYMLOOP_JWT_PUBLIC_KEY is not set: services cannot verify access tokens")
        wrong_key = "GYMLOOP_JWT_PUBLIC_KEY must be an Ed25519 public key (PEM): access tokens are EdDSA"
        try:
            public_key = serialization.load_pem_public_key(public_key_pem.encode())  # parsed once, not per token
        except ValueError as error:
            raise ValueError(f"{wrong_key} ({error})") from None
        if not isinstance(public_key, Ed25519PublicKey):
            raise ValueError(wrong_key)
        self.public_key = public_key
        self.issuer = issuer
        self.audience = audience
        # Expiry on the wall clock, as `exp` is; read under the GIL from the event loop and worker threads alike.
        self._verified: TLRUCache[str, tuple[Principal, float]] = TLRUCache(
            VERIFIED_TOKENS_KEPT, _until_expiry, timer=time.time
        )

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            return known[0]
        principal, expires_at = self._check(token)
        self._verified[token] = (principal, expires_at)
        return principal

    def _check(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["exp", "iat", "sub", "sid", "role", "jti"]},
            )
            if claims.get("typ") != "access":
                raise Unauthorized("not an access token", code="wrong_token_type")
            principal = Principal(
                account_id=uuid.UUID(claims["sub"]),
                studio_id=uuid.UUID(claims["sid"]),
                role=Role[claims["role"]],
                member_id=uuid.UUID(claims["mid"]) if claims.get("mid") else None,
                token_id=claims["jti"],
            )
            return principal, float(claims["exp"])
        except jwt.ExpiredSignatureError:
            raise Unauthorized("access token expired: refresh it", code="token_expired") from None
        except (jwt.PyJWTError, KeyError, ValueError) as error:
            raise Unauthorized(f"invalid access token: {error}", code="invalid_token") from None


def issue_access_token(
    private_key_pem: str,
    *,
    account_id: uuid.UUID,
    studio_id: uuid.UUID,
    role: Role | str,
    member_id: uuid.UUID | None = None,
    ttl_s: int = 900,
    issuer: str = "gymloop",
    audience: str = "gymloop-api",
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": str(account_id),
        "sid": str(studio_id),
        "role": role.name if isinstance(role, Role) else Role[role].name,
        "mid": str(member_id) if member_id else None,
        "jti": str(uuid.uuid4()),
        "typ": "access",
        "iat": issued,
        "exp": issued + timedelta(seconds=ttl_s),
    }
    return jwt.encode(claims, private_key_pem, algorithm=ALGORITHM)


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token")
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


def require_role(minimum: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role < minimum:
            raise Forbidden(f"this needs the {minimum.name} role in this studio", code="role_required")
        return principal

    return dependency


AnyUser = Annotated[Principal, Depends(current_principal)]
Staff = Annotated[Principal, Depends(require_role(Role.employee))]
Admin = Annotated[Principal, Depends(require_role(Role.admin))]
