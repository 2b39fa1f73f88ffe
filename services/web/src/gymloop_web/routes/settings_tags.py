"""Settings, tags (admins): define, rename or recolour, and delete the studio's tags (members keeps them; a tag
deleted comes off every member)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import AdminSession, GatewayDep
from gymloop_web.gateway import ApiError, Gateway, items_of
from gymloop_web.rendering import render
from gymloop_web.session import WebSession

router = APIRouter()

TAGS_PATH = "/api/v1/members/tags"


async def tags_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    error: ApiError | None = None,
    failed: str | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    tags = items_of(await gateway.call(session, "GET", TAGS_PATH))
    return render(
        request, "settings_tags.html", status_code,
        tags=tags, error=error, failed=failed, typed=typed or {}, done=done,
    )  # fmt: skip


@router.get("/settings/tags")
async def tags(request: Request, session: AdminSession, gateway: GatewayDep, done: str = "") -> Response:
    return await tags_page(request, session, gateway, done=done if done in ("added", "saved", "deleted") else None)


async def _write(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    failed: str,
    done: str,
) -> Response:
    try:
        await gateway.call(session, method, path, json=body)
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        return await tags_page(request, session, gateway, error, failed, body, error.status)
    return RedirectResponse(f"/settings/tags?done={done}", status_code=303)


@router.post("/settings/tags")
async def add_tag(
    request: Request,
    session: AdminSession,
    gateway: GatewayDep,
    name: Annotated[str, Form()] = "",
    color: Annotated[str, Form()] = "",
) -> Response:
    body = {"name": name, "color": color or None}
    return await _write(request, session, gateway, "POST", TAGS_PATH, body, "new", "added")


@router.post("/settings/tags/{tag_id}")
async def edit_tag(
    request: Request,
    tag_id: uuid.UUID,
    session: AdminSession,
    gateway: GatewayDep,
    name: Annotated[str, Form()] = "",
    color: Annotated[str, Form()] = "",
) -> Response:
    body = {"name": name, "color": color or None}
    return await _write(request, session, gateway, "PATCH", f"{TAGS_PATH}/{tag_id}", body, str(tag_id), "saved")


@router.post("/settings/tags/{tag_id}/delete")
async def delete_tag(request: Request, tag_id: uuid.UUID, session: AdminSession, gateway: GatewayDep) -> Response:
    return await _write(request, session, gateway, "DELETE", f"{TAGS_PATH}/{tag_id}", None, str(tag_id), "deleted")
