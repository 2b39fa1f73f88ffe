"""GET /api/views/public/studios/{slug}: a studio's public page, without a login, from three services.

members owns the studio and its slug (its 404 is the answer); billing gives the plans a member could choose,
bookings the week's sessions with free places. Each service's public read; nothing about people.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gymloop_gateway.proxy import error_answer
from gymloop_gateway.views.access import edge_of
from gymloop_gateway.views.fanout import ServiceCall, gather_parts
from gymloop_gateway.views.schemas import ServiceObject, Unavailable

router = APIRouter(tags=["views"])


class PublicStudioPage(BaseModel):
    studio: ServiceObject = Field(description="members: studio_id, slug, name, address, time zone")
    plans: list[ServiceObject] | Unavailable = Field(description="billing: visible plans with price and terms")
    agenda: list[ServiceObject] | Unavailable = Field(
        description="bookings: the studio's week from its today, each day's sessions with free places"
    )


@router.get(
    "/public/studios/{slug}",
    summary="A studio's public page by its slug: name, address, time zone, plans and the week's agenda (no login)",
    response_model=PublicStudioPage,
    responses={404: {}, 503: {}},
)
async def public_studio_page(slug: str, request: Request) -> JSONResponse:
    """Public: no token needed. An unknown slug is 404 `studio_not_found`. Plans and agenda are read at once once
    the studio is known; a part whose service is down is `{"unavailable": true, ...}` and the rest is answered;
    without the members service there is no studio to show (503)."""
    edge = edge_of(request)
    found = await gather_parts(
        edge, request, {"studio": ServiceCall("members", f"/public/studios/{slug}", owns_subject=True)}
    )
    studio = found["studio"]
    if not studio.ok:
        return error_answer(503, "members", "service_unavailable", studio.detail)
    studio_id = studio.body["studio_id"]
    parts = await gather_parts(
        edge,
        request,
        {
            "plans": ServiceCall("billing", f"/public/studios/{studio_id}/plans"),
            "agenda": ServiceCall("bookings", f"/public/studios/{studio_id}/agenda"),
        },
    )
    body: dict[str, Any] = {
        "studio": studio.body,
        "plans": parts["plans"].or_unavailable(parts["plans"].items),
        "agenda": parts["agenda"].or_unavailable(parts["agenda"].items),
    }
    return JSONResponse(body)
