"""Info-page posts, messages to members with delivery status, the member inbox and opt-outs."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import Response
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser, Principal, Staff
from gymloop_kit.errors import Forbidden
from gymloop_kit.http.pagination import Page, Paging

from gymloop_notifications.api.schemas import (
    DeliveryOut,
    InboxItemOut,
    InfoPostIn,
    InfoPostOut,
    MessageIn,
    MessageOut,
    PreferencesIn,
    PreferencesOut,
)
from gymloop_notifications.db.models import Message, MessageDelivery
from gymloop_notifications.service import messages as use_cases
from gymloop_notifications.service.studios import ensure_studio

router = APIRouter(tags=["communication"])


def _own_member_id(principal: Principal) -> uuid.UUID:
    if principal.member_id is None:
        raise Forbidden("only a member of this studio has an inbox", code="member_required")
    return principal.member_id


def _message_out(message: Message, deliveries: list[MessageDelivery], *, with_deliveries: bool) -> MessageOut:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d in deliveries:
        counts[d.channel][d.status] += 1
    return MessageOut(
        message_id=message.message_id,
        subject=message.subject,
        body=message.body,
        channels=message.channels,
        audience=message.audience,
        created_at=message.created_at,
        counts={channel: dict(statuses) for channel, statuses in counts.items()},
        deliveries=[
            DeliveryOut(
                member_id=d.member_id,
                channel=d.channel,
                status=d.status,
                attempts=d.attempts,
                last_error=d.last_error,
                delivered_at=d.delivered_at,
                read_at=d.read_at,
            )
            for d in deliveries
        ]
        if with_deliveries
        else None,
    )


@router.post("/info-posts", summary="Post on the app's info page for all members", response_model=InfoPostOut,
             operation_id="createInfoPost", status_code=201)  # fmt: skip
async def post_info(body: InfoPostIn, principal: Staff, session: Session) -> InfoPostOut:
    """Staff only. A post with a title and a body on the info page every member of the studio sees in the app."""
    post = await use_cases.publish_info_post(
        session, principal.studio_id, title=body.title, body=body.body, author_id=principal.account_id
    )
    return InfoPostOut.model_validate(post)


@router.put("/info-posts/{post_id}", operation_id="editInfoPost", summary="Change an info post (staff)",
            response_model=InfoPostOut)  # fmt: skip
async def edit_info(post_id: uuid.UUID, body: InfoPostIn, principal: Staff, session: Session) -> InfoPostOut:
    """Staff only. Replaces the post's title and text; it keeps its place on the info page and shows when it was
    edited. Another studio's post answers 404."""
    post = await use_cases.edit_info_post(session, principal.studio_id, post_id, title=body.title, body=body.body)
    return InfoPostOut.model_validate(post)


@router.delete("/info-posts/{post_id}", operation_id="deleteInfoPost", summary="Take a post off the info page (staff)",
               status_code=204)  # fmt: skip
async def delete_info(post_id: uuid.UUID, principal: Staff, session: Session) -> Response:
    """Staff only. The post is gone from the info page for every member. Another studio's post answers 404."""
    await use_cases.delete_info_post(session, principal.studio_id, post_id)
    return Response(status_code=204)


@router.get(
    "/info-posts", operation_id="listInfoPosts", summary="The info page, newest first", response_model=Page[InfoPostOut]
)
async def list_info(principal: AnyUser, session: Session, page: Paging) -> Page[InfoPostOut]:
    """Any role. The studio's info posts, newest first."""
    posts, total = await use_cases.info_posts(session, principal.studio_id, page)
    items = [InfoPostOut.model_validate(post) for post in posts]
    return Page.of(items, total, page)


@router.post("/messages", summary="Send a message to all, a group or one member", response_model=MessageOut,
             status_code=201)  # fmt: skip
async def send_message(body: MessageIn, principal: Staff, session: Session) -> MessageOut:
    """Staff only. A message to every member, to the members with a tag, or to one member, over the channels chosen
    (in_app, email), respecting each member's opt-outs."""
    config = await ensure_studio(session, principal.studio_id)
    message_id = await use_cases.send_message(
        session,
        principal.studio_id,
        subject=body.subject,
        body=body.body,
        channels=body.channels,
        audience_type=body.audience.type,
        tag=body.audience.tag,
        member_id=body.audience.member_id,
        created_by=principal.account_id,
        today=config.today(datetime.now(UTC)),
    )
    message, deliveries = await use_cases.message_status(session, principal.studio_id, message_id)
    return _message_out(message, deliveries, with_deliveries=False)


@router.get("/messages", operation_id="listMessages", summary="Messages sent, newest first, with delivery counts",
            response_model=Page[MessageOut])  # fmt: skip
async def list_messages(principal: Staff, session: Session, page: Paging) -> Page[MessageOut]:
    """Staff only. The studio's messages, newest first, each with its counts per channel and status (the
    deliveries per recipient are at GET /messages/{message_id})."""
    rows, total = await use_cases.sent_messages(session, principal.studio_id, page)
    return Page.of([_message_out(m, deliveries, with_deliveries=False) for m, deliveries in rows], total, page)


@router.get("/messages/{message_id}", summary="A message with its delivery status per recipient",
            response_model=MessageOut)  # fmt: skip
async def get_message(
    message_id: uuid.UUID, principal: Staff, session: Session, include_deliveries: bool = True
) -> MessageOut:
    """Staff only. The message with, per recipient and channel, its delivery status, attempts and last error
    (include_deliveries=false leaves them out)."""
    message, deliveries = await use_cases.message_status(session, principal.studio_id, message_id)
    return _message_out(message, deliveries, with_deliveries=include_deliveries)


@router.get(
    "/me/inbox",
    operation_id="listMyInbox",
    summary="The calling member's in-app messages",
    response_model=Page[InboxItemOut],
)
async def my_inbox(principal: AnyUser, session: Session, page: Paging) -> Page[InboxItemOut]:
    """For a member: the in-app messages sent to them, newest first, with whether each is read."""
    rows, total = await use_cases.inbox(session, principal.studio_id, _own_member_id(principal), page)
    items = [
        InboxItemOut(message_id=m.message_id, subject=m.subject, body=m.body, sent_at=m.created_at, read_at=d.read_at)
        for m, d in rows
    ]
    return Page.of(items, total, page)


@router.post(
    "/me/inbox/{message_id}/read", operation_id="markMessageRead", summary="Mark an inbox message read", status_code=204
)
async def mark_read(message_id: uuid.UUID, principal: AnyUser, session: Session) -> None:
    """For a member: marks one of their inbox messages read."""
    await use_cases.mark_read(session, principal.studio_id, _own_member_id(principal), message_id)


@router.get(
    "/me/preferences",
    operation_id="getMyPreferences",
    summary="The calling member's message opt-outs",
    response_model=PreferencesOut,
)
async def my_preferences(principal: AnyUser, session: Session) -> PreferencesOut:
    """For a member: the message channels they opted out of."""
    return PreferencesOut(opted_out=await use_cases.opt_outs(session, principal.studio_id, _own_member_id(principal)))


@router.put(
    "/me/preferences",
    operation_id="setMyPreferences",
    summary="Opt out of (or back into) message channels",
    response_model=PreferencesOut,
)
async def set_preferences(body: PreferencesIn, principal: AnyUser, session: Session) -> PreferencesOut:
    """For a member: replaces the channels they opt out of."""
    channels = await use_cases.set_opt_outs(session, principal.studio_id, _own_member_id(principal), body.opted_out)
    return PreferencesOut(opted_out=channels)
