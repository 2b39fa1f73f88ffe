"""A member's status: active or archived, and the allowed moves between them."""

from __future__ import annotations

from typing import Literal

from gymloop_members.domain.errors import DomainConflict

Status = Literal["active", "archived"]


def check_can_archive(status: str) -> None:
    if status == "archived":
        raise DomainConflict(code="already_archived", field="status", message="this member is already archived")


def check_can_unarchive(status: str) -> None:
    if status != "archived":
        raise DomainConflict(code="not_archived", field="status", message="this member is active: nothing to undo")
