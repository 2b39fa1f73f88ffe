"""Tags: defined per studio by admins, attached to members by staff. A member's tags are part of their state,
so every change emits MemberUpdated for the members it touches."""

from __future__ import annotations

import uuid

from gymloop_kit.errors import NotFound
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import Membership, MemberTag, Tag
from gymloop_members.domain.errors import DomainConflict
from gymloop_members.domain.tags import check_color, check_tag_name
from gymloop_members.service.events import emit_updated
from gymloop_members.service.members import get_member


async def list_tags(session: AsyncSession, studio_id: uuid.UUID) -> list[Tag]:
    return list(await session.scalars(select(Tag).where(Tag.studio_id == studio_id).order_by(Tag.name_key)))


async def get_tag(session: AsyncSession, studio_id: uuid.UUID, tag_id: uuid.UUID) -> Tag:
    tag = await session.scalar(select(Tag).where(Tag.id == tag_id, Tag.studio_id == studio_id))
    if tag is None:
        raise NotFound(f"tag {tag_id} not found", code="tag_not_found")
    return tag


async def _check_unique(session: AsyncSession, studio_id: uuid.UUID, name: str, except_id: uuid.UUID | None) -> None:
    clash = await session.scalar(select(Tag.id).where(Tag.studio_id == studio_id, Tag.name_key == name.lower()))
    if clash is not None and clash != except_id:
        raise DomainConflict(code="tag_exists", field="name", message=f"tag {name!r} already exists in this studio")


async def create_tag(session: AsyncSession, studio_id: uuid.UUID, name: str, color: str | None) -> Tag:
    name = check_tag_name(name)
    await _check_unique(session, studio_id, name, None)
    tag = Tag(id=uuid.uuid4(), studio_id=studio_id, name=name, name_key=name.lower(), color=check_color(color))
    session.add(tag)
    await session.flush()
    return tag


async def _tagged_members(session: AsyncSession, tag: Tag) -> list[Membership]:
    return list(
        await session.scalars(
            select(Membership)
            .join(MemberTag, MemberTag.member_id == Membership.id)
            .where(MemberTag.tag_id == tag.id, Membership.studio_id == tag.studio_id)
        )
    )


async def update_tag(
    session: AsyncSession, studio_id: uuid.UUID, tag_id: uuid.UUID, name: str | None, color: str | None
) -> Tag:
    tag = await get_tag(session, studio_id, tag_id)
    renamed = False
    if name is not None:
        name = check_tag_name(name)
        await _check_unique(session, studio_id, name, tag.id)
        renamed = name != tag.name
        tag.name, tag.name_key = name, name.lower()
    if color is not None:
        tag.color = check_color(color)
    await session.flush()
    if renamed:
        for member in await _tagged_members(session, tag):
            await emit_updated(session, member)
    return tag


async def delete_tag(session: AsyncSession, studio_id: uuid.UUID, tag_id: uuid.UUID) -> None:
    tag = await get_tag(session, studio_id, tag_id)
    members = await _tagged_members(session, tag)
    await session.delete(tag)
    await session.flush()
    for member in members:
        await emit_updated(session, member)


async def attach_tag(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, tag_id: uuid.UUID
) -> Membership:
    member = await get_member(session, studio_id, member_id, lock=True)
    tag = await get_tag(session, studio_id, tag_id)
    if await session.get(MemberTag, (member.id, tag.id)) is None:
        session.add(MemberTag(studio_id=studio_id, member_id=member.id, tag_id=tag.id))
        await session.flush()
        await emit_updated(session, member)
    return member


async def detach_tag(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, tag_id: uuid.UUID
) -> Membership:
    member = await get_member(session, studio_id, member_id, lock=True)
    tag = await get_tag(session, studio_id, tag_id)
    link = await session.get(MemberTag, (member.id, tag.id))
    if link is not None:
        await session.delete(link)
        await session.flush()
        await emit_updated(session, member)
    return member
