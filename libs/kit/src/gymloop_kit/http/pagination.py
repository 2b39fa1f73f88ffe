"""One way to page every list that grows: `?limit=&offset=` in, `{"items", "total", "limit", "offset"}` out.

    @router.get("/notes", response_model=Page[NoteOut])
    async def list_notes(page: Paging, session: Session) -> Page[NoteOut]:
        rows, total = await fetch_page(session, select(Note).order_by(Note.created_at.desc()), page)
        return Page.of([NoteOut.of(row) for row in rows], total, page)

`total` counts every item the filters match, so a client knows how many pages there are without asking again.
The statement must have a stable order (end it with a unique column), or pages may repeat or skip an item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.bounds import INT32_MAX
from gymloop_kit.db import AnySelect

if TYPE_CHECKING:
    from typing_extensions import TypeForm  # pydantic's own annotation of the parameters

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    """Which slice of a list the client asked for."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0


def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"How many items at most (1 to {MAX_LIMIT})")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX, description="How many items to skip first")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """One page of a list, with the number of items in the whole list."""

    items: list[T] = Field(description="the items of this page, in the list's order")
    total: int = Field(description="how many items the whole list has (every page together)")
    limit: int = Field(description="the page size asked for")
    offset: int = Field(description="how many items come before this page")

    @classmethod
    def model_parametrized_name(cls, params: tuple[TypeForm[Any], ...]) -> str:
        # "NoteOut" -> "NotePage": a schema name a client generator turns into a readable class
        name = getattr(params[0], "__name__", str(params[0]))
        return f"{name.removesuffix('Out')}Page"

    @classmethod
    def of(cls, items: Iterable[T], total: int, params: PageParams) -> Page[T]:
        return cls(items=list(items), total=total, limit=params.limit, offset=params.offset)


async def fetch_page(session: AsyncSession, statement: AnySelect, params: PageParams) -> tuple[list[Any], int]:
    """The page's rows of `statement` and the count of all its rows, in two queries.

    A statement of one column or entity gives the values themselves (as `session.scalars` does), a statement
    of several gives rows. No query for the rows when the offset lies past the end.
    """
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    total = int(await session.scalar(counted) or 0)
    if params.offset >= total:
        return [], total
    limited = statement.limit(params.limit).offset(params.offset)
    if len(statement.column_descriptions) == 1:
        return list(await session.scalars(limited)), total
    return list((await session.execute(limited)).all()), total


def slice_page(items: Sequence[T], params: PageParams) -> tuple[list[T], int]:
    """The page of a list already in memory (one that a domain rule computes as a whole), and its length."""
    return list(items[params.offset : params.offset + params.limit]), len(items)
