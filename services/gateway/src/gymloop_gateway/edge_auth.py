"""The bearer token is checked at the edge; services verify it again (the token is forwarded unchanged)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from gymloop_kit.auth import Principal, TokenVerifier
from gymloop_kit.errors import Unauthorized


@dataclass(frozen=True)
class PublicRoute:
    method: str  # upper case, or "*"
    pattern: str

    @classmethod
    def parse(cls, spec: str) -> PublicRoute:
        parts = spec.split()
        if len(parts) != 2 or not parts[1].startswith("/"):
            raise ValueError(f"public route {spec!r} must look like 'POST /api/members/auth/login' or '* /api/x/*'")
        return cls(parts[0].upper(), parts[1])

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method.upper()) and fnmatchcase(path, self.pattern)


class EdgeAuth:
    def __init__(self, verifier: TokenVerifier, public_routes: Iterable[str]) -> None:
        self.verifier = verifier
        self.public_routes = [PublicRoute.parse(spec) for spec in public_routes]

    def is_public(self, method: str, path: str) -> bool:
        return any(route.matches(method, path) for route in self.public_routes)

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal of a valid bearer token; Unauthorized (401) without one or with a bad one."""
        if not authorization:
            raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'", code="missing_token")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <access token>'", code="missing_token")
        return self.verifier.verify(token.strip())
