"""Notes by staff on a member, with author and time; members do not see them."""

from __future__ import annotations

import uuid

from gymloop_kit.http.pagination import PageParams, fetch_page
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import Membership, Note
from gymloop_members.domain.errors import DomainError
from gymloop_members.service.common import utcnow
from gymloop_members.service.members import get_member

MAX_NOTE = 10_000


async def add_note(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    body: str,
    *,
    author_account_id: uuid.UUID,
    author_member_id: uuid.UUID | None,
) -> Note:
    member = await get_member(session, studio_id, member_id)
    text = body.strip()
    if not text:
        raise DomainError(code="note_empty", field="body", message="the note is empty: write something")
    if len(text) > MAX_NOTE:
        raise DomainError(code="note_too_long", field="body", message=f"a note has at most {MAX_NOTE} characters")
    note = Note(
        id=uuid.uuid4(),
        studio_id=studio_id,
        member_id=member.id,
        author_account_id=author_account_id,
        author_member_id=author_member_id,
        body=text,
        created_at=utcnow(),
    )
    session.add(note)
    await session.flush()
    return note


async def list_notes(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, page: PageParams
) -> tuple[list[Note], int]:
    return await notes_of(session, await get_member(session, studio_id, member_id), page)


async def notes_of(session: AsyncSession, member: Membership, page: PageParams) -> tuple[list[Note], int]:
    """The notes of a member already looked up, newest first."""
    statement = (
        select(Note)
        .where(Note.member_id == member.id, Note.studio_id == member.studio_id)
        .order_by(Note.created_at.desc(), Note.id)
    )
    return await fetch_page(session, statement, page)
