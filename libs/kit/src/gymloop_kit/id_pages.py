"""One page of ids for the many-at-once reads: the ids a caller named, or every id a service knows in a studio."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


async def id_page(
    db: AsyncSession,
    id_column: InstrumentedAttribute[uuid.UUID],
    known: ColumnElement[bool],
    named: Sequence[uuid.UUID],
    limit: int,
    offset: int,
) -> tuple[list[uuid.UUID], int]:
    """The page of ids (ordered) and their total: of `named` when the caller named some (an unknown one is kept,
    so its answer can say it has nothing), else of the rows matching `known`."""
    if named:
        ordered = sorted(set(named))
        return ordered[offset : offset + limit], len(ordered)
    total: Any = (await db.execute(select(func.count()).select_from(id_column.class_).where(known))).scalar_one()
    page = (await db.execute(select(id_column).where(known).order_by(id_column).limit(limit).offset(offset))).scalars()
    return list(page), int(total)
