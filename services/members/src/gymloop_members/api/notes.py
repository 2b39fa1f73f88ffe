"""Notes on a member by staff."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from gymloop_kit.app import Session
from gymloop_kit.auth import Staff
from gymloop_kit.http.pagination import Page, Paging

from gymloop_members.api.schemas import NoteCreate, NoteOut
from gymloop_members.service import notes

router = APIRouter(tags=["notes"])


@router.get(
    "/members/{member_id}/notes", summary="A member's notes, newest first (staff)", response_model=Page[NoteOut]
)
async def list_notes(member_id: uuid.UUID, principal: Staff, session: Session, page: Paging) -> Page[NoteOut]:
    """Staff only (members never see staff notes). Each note with its author and time, one page at a time."""
    rows, total = await notes.list_notes(session, principal.studio_id, member_id, page)
    return Page.of([NoteOut.model_validate(note) for note in rows], total, page)


@router.post("/members/{member_id}/notes", summary="Write a note on a member (staff)", response_model=NoteOut,
             status_code=201)  # fmt: skip
async def add_note(member_id: uuid.UUID, body: NoteCreate, principal: Staff, session: Session) -> NoteOut:
    """Staff only. The note records its author and time; members never see it."""
    note = await notes.add_note(
        session, principal.studio_id, member_id, body.body,
        author_account_id=principal.account_id, author_member_id=principal.member_id,
    )  # fmt: skip
    return NoteOut.model_validate(note)
