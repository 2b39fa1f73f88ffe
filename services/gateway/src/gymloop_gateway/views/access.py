"""Who is asking a view: the bearer token checked at the edge, as for a proxied request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from gymloop_kit.auth import Principal
from gymloop_kit.errors import FieldError, Unauthorized

if TYPE_CHECKING:
    from gymloop_gateway.app import Edge

# Documents the bearer scheme on the view operations; the check itself is the edge's, with its messages.
bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/members/auth/login")


def edge_of(request: Request) -> Edge:
    edge: Edge = request.app.state.edge
    return edge


def caller(request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    try:
        return edge_of(request).auth.authenticate(request.headers.get("authorization"))
    except Unauthorized as error:
        at_fault = FieldError(("header", "Authorization"), error.message, error.code)
        raise Unauthorized(error.message, code=error.code, field_errors=[at_fault]) from error


Caller = Annotated[Principal, Depends(caller)]
