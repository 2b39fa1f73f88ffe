"""Communication: the info posts members read in the app (write, change, take off), and messages to every member,
a group (a tag) or one member, with each recipient's delivery status. Notifications keeps the rules (opt-outs,
channels); a refused form shows its errors next to the controls."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.gateway import ApiError, Gateway, items_of, total_of
from gymloop_web.reads import optional, refusal
from gymloop_web.rendering import render
from gymloop_web.session import WebSession

router = APIRouter()

POSTS_PAGE_SIZE = 10
MESSAGES_PAGE_SIZE = 10
MEMBERS_PAGE = 200  # members' largest page: the one-member choice and the recipients' names
AUDIENCES = ("all", "tag", "member")
CHANNELS = ("in_app", "email")


async def member_names(gateway: Gateway, session: WebSession) -> dict[str, str]:
    people = await optional(
        gateway, session, "/api/v1/members/members", role="member", status="active", limit=MEMBERS_PAGE
    )
    return {str(p["id"]): f"{p['first_name']} {p['last_name']}" for p in items_of(people)}


async def communication_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    offset: int = 0,
    error: ApiError | None = None,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    messages_offset: int = 0,
) -> Response:
    """`form`: which form the error is about (a post's id, "post" or "message"); `values`: what it held."""
    posts, sent, tags, names = await asyncio.gather(
        gateway.call(
            session, "GET", "/api/v1/notifications/info-posts", params={"limit": POSTS_PAGE_SIZE, "offset": offset}
        ),
        optional(gateway, session, "/api/v1/notifications/messages", limit=MESSAGES_PAGE_SIZE, offset=messages_offset),
        optional(gateway, session, "/api/v1/members/tags"),
        member_names(gateway, session),
    )
    return render(
        request,
        "communication.html",
        error.status if error else 200,
        posts=items_of(posts),
        total=total_of(posts),
        offset=offset,
        page_size=POSTS_PAGE_SIZE,
        sent=items_of(sent),
        sent_total=total_of(sent),
        messages_offset=messages_offset,
        messages_page_size=MESSAGES_PAGE_SIZE,
        tag_options=[(tag["name"], tag["name"]) for tag in items_of(tags)],
        members=sorted(names.items(), key=lambda item: item[1].casefold()),
        error=error,
        form=form,
        values=values or {},
    )


@router.get("/communication")
async def communication(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
    messages_offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Response:
    """`offset` pages the info posts, `messages_offset` the messages sent."""
    return await communication_page(request, session, gateway, offset, messages_offset=messages_offset)


async def save_post(
    request: Request, session: WebSession, gateway: Gateway, post_id: uuid.UUID | None, title: str, body: str
) -> Response:
    """A new post (no `post_id`) or a changed one; refused, the page shows the form again with its errors."""
    values = {"title": title, "body": body}
    path = "/api/v1/notifications/info-posts" + (f"/{post_id}" if post_id else "")
    saved = gateway.call(session, "PUT" if post_id else "POST", path, json=values)
    if error := await refusal(saved):
        form = str(post_id) if post_id else "post"
        return await communication_page(request, session, gateway, error=error, form=form, values=values)
    return RedirectResponse("/communication#posts", status_code=303)


@router.post("/communication/posts")
async def create_post(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
) -> Response:
    return await save_post(request, session, gateway, None, title, body)


@router.post("/communication/posts/{post_id}")
async def edit_post(
    request: Request,
    post_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
) -> Response:
    return await save_post(request, session, gateway, post_id, title, body)


@router.post("/communication/posts/{post_id}/delete")
async def delete_post(post_id: uuid.UUID, session: StaffSession, gateway: GatewayDep) -> Response:
    await gateway.call(session, "DELETE", f"/api/v1/notifications/info-posts/{post_id}")
    return RedirectResponse("/communication#posts", status_code=303)


@router.post("/communication/messages")
async def send_message(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    subject: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    audience: Annotated[str, Form()] = "all",
    tag: Annotated[str, Form()] = "",
    member_id: Annotated[str, Form()] = "",
    channels: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """The audience's own control is the one that counts (the tag for a group, the member for one member)."""
    chosen = [channel for channel in channels or [] if channel in CHANNELS]
    message = {
        "subject": subject,
        "body": body,
        "channels": chosen,
        "audience": {
            "type": audience,
            "tag": tag or None if audience == "tag" else None,
            "member_id": member_id or None if audience == "member" else None,
        },
    }
    sent: dict[str, Any] = {}

    async def send() -> None:
        sent.update(await gateway.call(session, "POST", "/api/v1/notifications/messages", json=message))

    if error := await refusal(send()):
        values = {"subject": subject, "body": body, "audience": audience, "tag": tag, "member_id": member_id,
                  "channels": chosen}  # fmt: skip
        return await communication_page(request, session, gateway, error=error, form="message", values=values)
    return RedirectResponse(f"/communication/messages/{sent['message_id']}", status_code=303)


@router.get("/communication/messages/{message_id}")
async def message_page(request: Request, message_id: uuid.UUID, session: StaffSession, gateway: GatewayDep) -> Response:
    """The message with, per recipient and channel, whether it was delivered (and read in the app)."""
    message, names = await asyncio.gather(
        gateway.call(session, "GET", f"/api/v1/notifications/messages/{message_id}"),
        member_names(gateway, session),
    )
    return render(request, "message.html", message=message, names=names)
