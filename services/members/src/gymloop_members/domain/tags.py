"""Tag names: short labels shown on profiles and attendance lists; unique per studio regardless of case."""

from __future__ import annotations

import re

from gymloop_members.domain.errors import DomainError

MAX_LENGTH = 40
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def check_tag_name(value: str, *, field: str = "name") -> str:
    name = " ".join(value.split())
    if not name:
        raise DomainError(code="tag_name_empty", field=field, message="the tag name is empty: fill it in")
    if len(name) > MAX_LENGTH:
        raise DomainError(
            code="tag_name_too_long", field=field, message=f"tag {name!r} is longer than {MAX_LENGTH} characters"
        )
    return name


def check_color(value: str | None) -> str | None:
    if value is None:
        return None
    if not _COLOR.match(value):
        raise DomainError(code="color_invalid", field="color", message=f"{value!r} is not a colour like #33aa66")
    return value.lower()
