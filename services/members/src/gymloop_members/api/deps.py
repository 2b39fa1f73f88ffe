"""What the routers share: settings and database of the running service, member scoping."""

from __future__ import annotations

import uuid

from fastapi import Request
from gymloop_kit.app import runtime_of
from gymloop_kit.auth import Principal
from gymloop_kit.db import Database
from gymloop_kit.errors import NotFound

from gymloop_members.settings import MembersSettings


def settings_of(request: Request) -> MembersSettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, MembersSettings), "create_app makes MembersSettings"
    return settings


def database_of(request: Request) -> Database:
    return runtime_of(request).database


def ensure_self_or_staff(principal: Principal, member_id: uuid.UUID) -> None:
    """A member sees only their own record; another member's is answered as not found."""
    if not principal.is_staff and principal.member_id != member_id:
        raise NotFound(f"member {member_id} not found", code="member_not_found")
