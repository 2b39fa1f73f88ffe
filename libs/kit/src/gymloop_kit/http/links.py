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
_PLAIN_PREFIX = re.compile(r"(/[A-Za-z0-9_.~-]+)+")


@dataclass(frozen=True)
class PublicPaths:
    """Turns a service path into the path a client uses."""

    prefix: str = ""

    def to(self, path: str) -> str:
        return self.prefix + path

    @classmethod
    def of(cls, request: Request) -> PublicPaths:
        prefix = request.headers.get(PREFIX_HEADER, "").rstrip("/")
        if not _PLAIN_PREFIX.fullmatch(prefix) or any(part in (".", "..") for part in prefix.split("/")):
            prefix = ""
        return cls(prefix=prefix)


def public_paths(request: Request) -> PublicPaths:
    return PublicPaths.of(request)


Links = Annotated[PublicPaths, Depends(public_paths)]
