"""Member communication: info-page posts, messages to a group or one member, the member inbox, opt-outs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import uuid_utils.compat as uuid_compat
from gymloop_kit.errors import NotFound
from gymloop_kit.http.pagination import PageParams, fetch_page
from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.db.models import Booking, InfoPost, Member, Message, MessageDelivery, Subscription
from gymloop_notifications.domain.audience import (
    AllMembers,
    Audience,
    AudienceMember,
    BookedToday,
    Channel,
    NamedMembers,
    PlanEndsThisMonth,
    SingleMember,
    WithTag,
    select_recipients,
)
from gymloop_notifications.domain.errors import DomainError
from gymloop_notifications.domain.info_posts import compose_info_post
from gymloop_notifications.domain.messages import compose_message
from gymloop_notifications.service.email_sender import queue_message_emails

CHUNK = 2000


@dataclass(frozen=True)
class DeliveryCounts:
    by_channel_status: dict[str, dict[str, int]]


async def publish_info_post(
    session: AsyncSession, studio_id: uuid.UUID, *, title: str, body: str, author_id: uuid.UUID
) -> InfoPost:
    text = compose_info_post(title, body)
    post = InfoPost(
        post_id=uuid_compat.uuid7(),
        studio_id=studio_id,
        title=text.title,
        body=text.body,
        author_id=author_id,
        published_at=datetime.now(UTC),
    )
    session.add(post)
    await session.flush()
    return post


async def edit_info_post(
    session: AsyncSession, studio_id: uuid.UUID, post_id: uuid.UUID, *, title: str, body: str
) -> InfoPost:
    """The post keeps its place on the page (published_at); edited_at tells members it changed."""
    post = await _info_post(session, studio_id, post_id)
    text = compose_info_post(title, body)
    post.title, post.body, post.edited_at = text.title, text.body, datetime.now(UTC)
    await session.flush()
    return post


async def delete_info_post(session: AsyncSession, studio_id: uuid.UUID, post_id: uuid.UUID) -> None:
    await session.delete(await _info_post(session, studio_id, post_id))
    await session.flush()


async def _info_post(session: AsyncSession, studio_id: uuid.UUID, post_id: uuid.UUID) -> InfoPost:
    """Locked for the change; another studio's post is not found, like any id the studio does not know."""
    statement = select(InfoPost).where(InfoPost.post_id == post_id, InfoPost.studio_id == studio_id).with_for_update()
    post = (await session.execute(statement)).scalar_one_or_none()
    if post is None:
        raise NotFound(f"info post {post_id} not found", code="info_post_not_found")
    return post


async def info_posts(session: AsyncSession, studio_id: uuid.UUID, page: PageParams) -> tuple[list[InfoPost], int]:
    query = (
        select(InfoPost).where(InfoPost.studio_id == studio_id).order_by(InfoPost.published_at.desc(), InfoPost.post_id)
    )
    return await fetch_page(session, query, page)


async def _audience_members(
    session: AsyncSession, studio_id: uuid.UUID, audience: Audience, today: date
) -> list[AudienceMember]:
    """Only the members the audience can match are loaded; the domain makes the final selection."""
    query = select(Member).where(Member.studio_id == studio_id, Member.is_member)
    booked: set[uuid.UUID] = set()
    plan_ends: dict[uuid.UUID, date] = {}
    if isinstance(audience, SingleMember):
        query = query.where(Member.member_id == audience.member_id)
    elif isinstance(audience, NamedMembers):
        query = query.where(Member.member_id.in_(audience.member_ids))
    elif isinstance(audience, BookedToday):
        booked = set(
            (
                await session.execute(
                    select(Booking.member_id).where(
                        Booking.studio_id == studio_id, Booking.starts_on == today, ~Booking.cancelled
                    )
                )
            ).scalars()
        )
        query = query.where(Member.member_id.in_(booked))
    elif isinstance(audience, PlanEndsThisMonth):
        month_start = today.replace(day=1)
        next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        rows = await session.execute(
            select(Subscription.member_id, func.max(Subscription.ends_on))
            .where(
                Subscription.studio_id == studio_id,
                Subscription.ends_on >= month_start,
                Subscription.ends_on < next_month,
            )
            .group_by(Subscription.member_id)
        )
        # max() over rows whose ends_on is in this month: never NULL
        plan_ends = {member_id: ends_on for member_id, ends_on in rows.all() if ends_on is not None}
        query = query.where(Member.member_id.in_(plan_ends))
    members = (await session.execute(query)).scalars()
    return [
        AudienceMember(
            studio_id=studio_id,
            member_id=m.member_id,
            archived=m.archived,
            tags=frozenset(m.tags or ()),
            booked_dates=frozenset({today}) if m.member_id in booked else frozenset(),
            plan_ends_on=plan_ends.get(m.member_id),
            email=m.email,
            opted_out=frozenset(Channel(c) for c in (m.opted_out or ()) if c in Channel._value2member_map_),
        )
        for m in members
    ]


def parse_audience(kind: str, tag: str | None, member_id: uuid.UUID | None) -> Audience:
    match kind:
        case "all":
            return AllMembers()
        case "booked_today":
            return BookedToday()
        case "tag":
            return WithTag(tag or "")
        case "plan_ends_this_month":
            return PlanEndsThisMonth()
        case "member" if member_id is not None:
            return SingleMember(member_id)
        case "member":
            raise DomainError(code="member_id_missing", field="audience.member_id", message="name the member")
    raise DomainError(
        code="audience_unknown",
        field="audience.type",
        message=f"{kind!r} is not an audience: use all, booked_today, tag, plan_ends_this_month or member",
    )


async def send_message(
    session: AsyncSession,
    studio_id: uuid.UUID,
    *,
    subject: str,
    body: str,
    channels: list[str],
    audience_type: str,
    tag: str | None,
    member_id: uuid.UUID | None,
    created_by: uuid.UUID,
    today: date,
) -> uuid.UUID:
    """Store the message and one delivery row per recipient and channel. In-app deliveries are in the
    members' inboxes at once; e-mail ones are pending, their mails queued for the kit's mail sender."""
    if not channels:
        raise DomainError(code="channels_empty", field="channels", message="choose in_app, email or both")
    try:
        wanted = [Channel(c) for c in dict.fromkeys(channels)]
    except ValueError:
        raise DomainError(
            code="channel_unknown", field="channels", message=f"{channels!r}: use in_app and/or email"
        ) from None
    audience = parse_audience(audience_type, tag, member_id)
    message_id = uuid_compat.uuid7()
    audience_record: dict[str, object] = {
        "type": audience_type,
        "tag": tag,
        "member_id": str(member_id) if member_id else None,
    }
    await deliver(session, studio_id, message_id, audience, audience_record, subject, body, wanted, created_by, today)
    return message_id


async def deliver(
    session: AsyncSession,
    studio_id: uuid.UUID,
    message_id: uuid.UUID,
    audience: Audience,
    audience_record: dict[str, object],
    subject: str,
    body: str,
    wanted: list[Channel],
    created_by: uuid.UUID,
    today: date,
    *,
    required: bool = False,
) -> None:
    """Store one message and a delivery row per recipient and channel (opted-out and unreachable ones too), and
    queue its e-mails, all in the caller's transaction. `required`: sent despite opt-outs (a legal receipt)."""
    composed = {channel: compose_message(channel, subject, body) for channel in wanted}
    members = await _audience_members(session, studio_id, audience, today)
    selections = {
        channel: select_recipients(
            audience, members, studio_id=studio_id, channel=channel, today=today, required=required
        )
        for channel in wanted
    }
    now = datetime.now(UTC)
    first = composed[wanted[0]]
    session.add(
        Message(
            message_id=message_id,
            studio_id=studio_id,
            subject=first.subject,
            body=first.body,
            audience=audience_record,
            channels=[c.value for c in wanted],
            created_by=created_by,
            created_at=now,
        )
    )
    await session.flush()
    emails = {m.member_id: m.email for m in members}
    rows: list[dict[str, object]] = []
    for channel, selection in selections.items():
        ok_status = "delivered" if channel is Channel.IN_APP else "pending"
        for status, ids in (
            (ok_status, selection.recipients),
            ("opted_out", selection.opted_out),
            ("unreachable", selection.unreachable),
        ):
            rows.extend(
                {
                    "message_id": message_id,
                    "member_id": mid,
                    "channel": channel.value,
                    "studio_id": studio_id,
                    "status": status,
                    "email": emails.get(mid) if channel is Channel.EMAIL else None,
                    "delivered_at": now if status == "delivered" else None,
                    "available_at": now,
                }
                for mid in ids
            )
    for start in range(0, len(rows), CHUNK):
        await session.execute(pg_insert(MessageDelivery).on_conflict_do_nothing(), rows[start : start + CHUNK])
    if Channel.EMAIL in selections:
        email = composed[Channel.EMAIL]
        await queue_message_emails(
            session,
            message_id=message_id,
            studio_id=studio_id,
            subject=email.subject,
            body=email.body,
            recipients=[(mid, emails[mid] or "") for mid in selections[Channel.EMAIL].recipients],
        )


async def message_status(
    session: AsyncSession, studio_id: uuid.UUID, message_id: uuid.UUID
) -> tuple[Message, list[MessageDelivery]]:
    message = (
        await session.execute(select(Message).where(Message.message_id == message_id, Message.studio_id == studio_id))
    ).scalar_one_or_none()
    if message is None:
        raise NotFound("no such message in this studio", field="message_id")
    deliveries = (
        await session.execute(
            select(MessageDelivery)
            .where(MessageDelivery.message_id == message_id, MessageDelivery.studio_id == studio_id)
            .order_by(MessageDelivery.member_id, MessageDelivery.channel)
        )
    ).scalars()
    return message, list(deliveries)


async def sent_messages(
    session: AsyncSession, studio_id: uuid.UUID, page: PageParams
) -> tuple[list[tuple[Message, list[MessageDelivery]]], int]:
    """The studio's messages, newest first, each with its deliveries (one query for the page's deliveries)."""
    query = (
        select(Message).where(Message.studio_id == studio_id).order_by(Message.created_at.desc(), Message.message_id)
    )
    messages, total = await fetch_page(session, query, page)
    by_message: dict[uuid.UUID, list[MessageDelivery]] = {m.message_id: [] for m in messages}
    if by_message:
        deliveries = await session.scalars(
            select(MessageDelivery).where(
                MessageDelivery.studio_id == studio_id, MessageDelivery.message_id.in_(by_message)
            )
        )
        for delivery in deliveries:
            by_message[delivery.message_id].append(delivery)
    return [(m, by_message[m.message_id]) for m in messages], total


async def inbox(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, page: PageParams
) -> tuple[list[tuple[Message, MessageDelivery]], int]:
    query = (
        select(Message, MessageDelivery)
        .join(
            MessageDelivery,
            and_(MessageDelivery.message_id == Message.message_id, MessageDelivery.studio_id == Message.studio_id),
        )
        .where(
            MessageDelivery.studio_id == studio_id,
            MessageDelivery.member_id == member_id,
            MessageDelivery.channel == Channel.IN_APP.value,
            MessageDelivery.status == "delivered",
        )
        .order_by(Message.created_at.desc(), Message.message_id)
    )
    rows, total = await fetch_page(session, query, page)
    return [(message, delivery) for message, delivery in rows], total


async def mark_read(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, message_id: uuid.UUID) -> None:
    result = await session.execute(
        update(MessageDelivery)
        .where(
            MessageDelivery.studio_id == studio_id,
            MessageDelivery.member_id == member_id,
            MessageDelivery.message_id == message_id,
            MessageDelivery.channel == Channel.IN_APP.value,
            MessageDelivery.status == "delivered",
        )
        .values(read_at=func.coalesce(MessageDelivery.read_at, func.now()))
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("no such message in your inbox", field="message_id")


async def set_opt_outs(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, opted_out: list[str]
) -> list[str]:
    try:
        channels = sorted({Channel(c).value for c in opted_out})
    except ValueError:
        raise DomainError(
            code="channel_unknown", field="opted_out", message=f"{opted_out!r}: use in_app and/or email"
        ) from None
    await session.execute(
        pg_insert(Member)
        .values(studio_id=studio_id, member_id=member_id, opted_out=channels)
        .on_conflict_do_update(index_elements=[Member.studio_id, Member.member_id], set_={"opted_out": channels})
    )
    return channels


async def opt_outs(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> list[str]:
    member = await session.get(Member, (studio_id, member_id))
    return list(member.opted_out or ()) if member is not None else []
