"""What the routers share: settings and database of the running service."""

from __future__ import annotations

from fastapi import Request
from gymloop_kit.app import runtime_of
from gymloop_kit.db import Database
from gymloop_kit.http.forwarded import client_address

from gymloop_members.settings import MembersSettings


def settings_of(request: Request) -> MembersSettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, MembersSettings), "create_app makes MembersSettings"
    return settings


def database_of(request: Request) -> Database:
    return runtime_of(request).database


def client_ip(request: Request) -> str:
    """The client address the throttles count by (what the gateway saw), cut to their columns' width."""
    return (client_address(request) or "unknown")[:64]
