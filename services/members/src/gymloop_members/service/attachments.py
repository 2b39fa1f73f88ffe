"""Attachments of a member (documents, and the profile photo), stored in the database with limits."""

from __future__ import annotations

import uuid

from gymloop_kit.errors import NotFound
from gymloop_kit.http.pagination import PageParams, fetch_page
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from gymloop_members.db.models import Attachment, Membership
from gymloop_members.domain.attachments import DOCUMENT_TYPES, PHOTO_TYPES, check_attachment, clean_filename
from gymloop_members.service.common import utcnow
from gymloop_members.service.members import get_member


async def add_attachment(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    filename: str | None,
    content_type: str | None,
    data: bytes,
    max_bytes: int,
    by_account: uuid.UUID,
    kind: str = "document",
) -> Attachment:
    member = await get_member(session, studio_id, member_id, lock=kind == "photo")
    allowed = PHOTO_TYPES if kind == "photo" else DOCUMENT_TYPES
    checked_type = check_attachment(content_type=content_type, data=data, max_bytes=max_bytes, allowed=allowed)
    attachment = Attachment(
        id=uuid.uuid4(),
        studio_id=studio_id,
        member_id=member.id,
        kind=kind,
        filename=clean_filename(filename),
        content_type=checked_type,
        size=len(data),
        data=data,
        uploaded_by_account_id=by_account,
        created_at=utcnow(),
    )
    session.add(attachment)
    await session.flush()
    if kind == "photo":
        previous = member.photo_attachment_id
        member.photo_attachment_id = attachment.id
        if previous is not None:
            old = await session.get(Attachment, previous)
            if old is not None:
                await session.delete(old)
        await session.flush()
    return attachment


async def list_attachments(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, page: PageParams
) -> tuple[list[Attachment], int]:
    return await attachments_of(session, await get_member(session, studio_id, member_id), page)


async def attachments_of(session: AsyncSession, member: Membership, page: PageParams) -> tuple[list[Attachment], int]:
    """The documents of a member already looked up, oldest first."""
    statement = (
        select(Attachment)
        .where(
            Attachment.member_id == member.id, Attachment.studio_id == member.studio_id, Attachment.kind == "document"
        )
        .order_by(Attachment.created_at, Attachment.id)
    )
    return await fetch_page(session, statement, page)


async def get_attachment(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, attachment_id: uuid.UUID, *, with_data: bool
) -> Attachment:
    statement = select(Attachment).where(
        Attachment.id == attachment_id, Attachment.member_id == member_id, Attachment.studio_id == studio_id
    )
    if with_data:
        statement = statement.options(undefer(Attachment.data))
    attachment = await session.scalar(statement)
    if attachment is None:
        raise NotFound(f"attachment {attachment_id} not found", code="attachment_not_found")
    return attachment


async def delete_attachment(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, attachment_id: uuid.UUID
) -> None:
    attachment = await get_attachment(session, studio_id, member_id, attachment_id, with_data=False)
    member = await get_member(session, studio_id, member_id, lock=True)
    if member.photo_attachment_id == attachment.id:
        member.photo_attachment_id = None
    await session.delete(attachment)
    await session.flush()


async def get_photo(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> Attachment:
    member = await get_member(session, studio_id, member_id)
    if member.photo_attachment_id is None:
        raise NotFound("this member has no photo", code="photo_not_found")
    return await get_attachment(session, studio_id, member_id, member.photo_attachment_id, with_data=True)
