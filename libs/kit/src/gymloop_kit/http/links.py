"""Links in an answer as full public paths: `/api/v1/billing/payment-runs/<id>/file`, not `/payment-runs/<id>/file`.

The gateway tells the service where it is mounted with `X-Forwarded-Prefix` (the canonical `/api/v1/<service>`),
so a link works for the client as it is; called directly (inside the cluster, or in a test), the service has no
prefix and its links are its own paths, which work there too.

    async def get_run(run_id: uuid.UUID, links: Links, ...) -> RunOut:
        return RunOut(..., file_url=links.to(f"/payment-runs/{run_id}/file"))

A prefix that is not a plain path (another host, a scheme, odd characters) is ignored: a link never points
anywhere but this API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

PREFIX_HEADER = "x-forwarded-prefix"
CANONICAL_BASE = "/api/v1"
_PLAIN_PREFIX = re.compile(r"(/[A-Za-z0-9_.~-]+)+")


@dataclass(frozen=True)
class PublicPaths:
    """Turns a service path into the path a client uses."""

    prefix: str = ""

    def to(self, path: str) -> str:
        return self.prefix + path

    def to_service(self, service: str, path: str) -> str:
        """A path of another service behind the same gateway, e.g. a member's profile from billing: the sibling
        of this service's prefix (`/api/v1/members` next to `/api/v1/billing`); called directly, the canonical
        public path, as this service cannot know another's address."""
        base = self.prefix.rsplit("/", 1)[0] if self.prefix else CANONICAL_BASE
        return f"{base}/{service}{path}"

    @classmethod
    def of(cls, request: Request) -> PublicPaths:
        prefix = request.headers.get(PREFIX_HEADER, "").rstrip("/")
        if not _PLAIN_PREFIX.fullmatch(prefix) or any(part in (".", "..") for part in prefix.split("/")):
            prefix = ""
        return cls(prefix=prefix)


def public_paths(request: Request) -> PublicPaths:
    return PublicPaths.of(request)


Links = Annotated[PublicPaths, Depends(public_paths)]
