"""Every item of a paged service list, for views that need a whole studio's rows (the members report)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from fastapi import Request

from gymloop_gateway.views.fanout import Part, ServiceCall, fetch

if TYPE_CHECKING:
    from gymloop_gateway.app import Edge


def page_of(call: ServiceCall, limit: int, offset: int) -> ServiceCall:
    return replace(call, params={**call.params, "limit": limit, "offset": offset})


async def every_item(edge: Edge, request: Request, call: ServiceCall, page_size: int) -> tuple[list[Any], Part | None]:
    """The items of every page: the first page, then all the others at once. On a failure: no items, and the
    part that failed (so the view can mark it unavailable)."""
    first = await fetch(edge, request, page_of(call, page_size, 0))
    if not first.ok:
        return [], first
    items = first.items
    total = first.total or 0
    rest = await asyncio.gather(
        *(fetch(edge, request, page_of(call, page_size, offset)) for offset in range(page_size, total, page_size))
    )
    for part in rest:
        if not part.ok:
            return [], part
        items.extend(part.items)
    return items, None


async def items_for_ids(
    edge: Edge, request: Request, call: ServiceCall, ids: list[str], chunk: int
) -> tuple[list[Any], Part | None]:
    """The items of a bulk read for many ids, `chunk` ids per call (a request line stays short), all at once."""
    chunks = [ids[i : i + chunk] for i in range(0, len(ids), chunk)]
    parts = await asyncio.gather(
        *(
            fetch(edge, request, replace(call, params={**call.params, "member_id": part, "limit": chunk}))
            for part in chunks
        )
    )
    items: list[Any] = []
    for part in parts:
        if not part.ok:
            return [], part
        items.extend(part.items)
    return items, None
