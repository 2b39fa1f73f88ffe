"""Shapes shared by the views: a part that could not be read, and a page of a growing list."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Unavailable(BaseModel):
    """In place of a part whose service is down, too slow, failing, or refused this part."""

    unavailable: Literal[True] = True
    service: str = Field(description="The service the part comes from")
    detail: str = Field(description="Why the part is missing, for a person")
    status: int | None = Field(None, description="The service's HTTP status, when it answered at all")


class ServiceObject(BaseModel):
    """An object as the service answers it (see that service's operation for every field)."""

    model_config = ConfigDict(extra="allow")


class Page(BaseModel):
    """One page of a growing list."""

    items: list[dict[str, Any]]
    total: int = Field(description="How many there are in all")
    limit: int
    offset: int
