"""A member's side of the overview in one read (for the gateway's member overview): the profile with tags and
role, the responsible employee's name, and for staff the notes, attachments and checklists."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from fastapi import APIRouter
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser
from gymloop_kit.http.links import Links
from gymloop_kit.http.pagination import MAX_LIMIT, PageParams
from gymloop_kit.ownership import ensure_own_member
from pydantic import BaseModel, Field
from sqlalchemy import select

from gymloop_members.api.checklists import assigned_out
from gymloop_members.api.schemas import AttachmentOut, MemberChecklistOut, MemberOut, NoteOut
from gymloop_members.db.models import Membership
from gymloop_members.service import attachments, checklists, members, notes

router = APIRouter(tags=["members"])

OVERVIEW_NOTES = 20  # a screen's worth; older notes are one page further through GET .../notes


class PersonOut(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str


class NoteWithAuthorOut(NoteOut):
    author: PersonOut | None = Field(description="The employee who wrote it, while they are in this studio")


class MemberOverviewOut(BaseModel):
    profile: MemberOut
    responsible_employee: PersonOut | None
    notes: list[NoteWithAuthorOut] | None = Field(
        description=f"Staff only, the newest {OVERVIEW_NOTES} first (the notes route pages the rest); None for a member"
    )
    notes_total: int | None = Field(description="Staff only: how many notes the member has; None for a member")
    attachments: list[AttachmentOut] | None = Field(description="Staff only; None for a member")
    checklists: list[MemberChecklistOut] | None = Field(description="Staff only; None for a member")


async def _people(
    session: Session, studio_id: uuid.UUID, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID | None, PersonOut]:
    """The named people of this studio by id, in one query (an id of nobody here, or None, is left out)."""
    ids = {person_id for person_id in ids if person_id is not None}
    if not ids:
        return {}
    rows = await session.execute(
        select(Membership.id, Membership.first_name, Membership.last_name).where(
            Membership.studio_id == studio_id, Membership.id.in_(ids)
        )
    )
    return {row.id: PersonOut(id=row.id, first_name=row.first_name, last_name=row.last_name) for row in rows}


@router.get(
    "/members/{member_id}/overview",
    operation_id="getMemberOverview",
    summary="Profile, responsible employee, and for staff notes, attachments and checklists, in one read",
    response_model=MemberOverviewOut,
)
async def get_overview(member_id: uuid.UUID, principal: AnyUser, session: Session, links: Links) -> MemberOverviewOut:
    """Staff read any member of their studio; a member only their own (another member's answers 404), without the
    staff's notes, attachments and checklists (those are None)."""
    ensure_own_member(principal, member_id)
    membership = await members.get_member(session, principal.studio_id, member_id)
    profile = MemberOut.of(await members.view(session, membership))
    if not principal.is_staff:
        names = await _people(session, principal.studio_id, [membership.responsible_employee_id])
        return MemberOverviewOut(
            profile=profile, responsible_employee=names.get(membership.responsible_employee_id),
            notes=None, notes_total=None, attachments=None, checklists=None,
        )  # fmt: skip
    # the member is looked up once above; the parts below read by it
    written, notes_total = await notes.notes_of(session, membership, PageParams(limit=OVERVIEW_NOTES))
    wanted = [membership.responsible_employee_id, *(note.author_member_id for note in written)]
    names = await _people(session, principal.studio_id, wanted)
    # a member has a handful of files and checklists: the overview shows them all (up to a page's maximum)
    files, _ = await attachments.attachments_of(session, membership, PageParams(MAX_LIMIT))
    assigned, _ = await checklists.checklists_of(session, membership, PageParams(MAX_LIMIT))
    return MemberOverviewOut(
        profile=profile,
        responsible_employee=names.get(membership.responsible_employee_id),
        notes=[
            NoteWithAuthorOut(
                **NoteOut.model_validate(note).model_dump(),
                author=names.get(note.author_member_id),
            )
            for note in written
        ],
        notes_total=notes_total,
        attachments=[AttachmentOut.of(row, links) for row in files],
        checklists=[assigned_out(view) for view in assigned],
    )
