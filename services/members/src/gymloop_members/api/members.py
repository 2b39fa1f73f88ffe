"""Members and employees: register, read, edit, search, archive, responsible employee, roles, upsert."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin, AnyUser, Role, Staff
from gymloop_kit.errors import Forbidden
from gymloop_kit.http.pagination import Page, Paging
from gymloop_kit.ownership import ensure_own_member

from gymloop_members.api.schemas import (
    ArchiveRequest,
    MemberCreate,
    MemberOut,
    MemberPatch,
    ResponsibleChange,
    RoleChange,
    UpsertRequest,
    UpsertResponse,
)
from gymloop_members.service import members

router = APIRouter(tags=["members"])


@router.post("/members", summary="Register a member or employee (staff; other roles than member: admins)",
             response_model=MemberOut, status_code=201)  # fmt: skip
async def create_member(body: MemberCreate, principal: Staff, session: Session) -> MemberOut:
    """Staff register members; only admins register employees or admins. Answers the new profile."""
    data = members.NewMember(**body.model_dump())
    membership = await members.register_member(
        session, principal.studio_id, data, may_grant_roles=principal.role >= Role.admin, source="staff"
    )
    return MemberOut.of(await members.view(session, membership))


@router.get(
    "/members", summary="Search and filter the studio's members and employees (staff)", response_model=Page[MemberOut]
)
async def search_members(
    principal: Staff,
    session: Session,
    page: Paging,
    q: Annotated[str | None, Query(max_length=100, description="Substring of the name or e-mail")] = None,
    tag_id: uuid.UUID | None = None,
    responsible_employee_id: uuid.UUID | None = None,
    status: Literal["active", "archived"] | None = None,
    role: Literal["member", "employee", "admin"] | None = None,
    is_member: bool | None = None,
) -> Page[MemberOut]:
    """Staff only. Filters combine (substring of name or e-mail, tag, responsible employee, status, role); the answer
    is one page (limit, offset) with the total count."""
    filters = members.MemberFilters(
        q=q, tag_id=tag_id, responsible_employee_id=responsible_employee_id, status=status, role=role,
        is_member=is_member, limit=page.limit, offset=page.offset,
    )  # fmt: skip
    rows, total = await members.search_members(session, principal.studio_id, filters)
    return Page.of([MemberOut.of(row) for row in rows], total, page)


@router.post("/members/upsert", summary="Create, or overwrite an existing member by e-mail; sends no e-mail (staff)",
             response_model=UpsertResponse)  # fmt: skip
async def upsert_member(body: UpsertRequest, principal: Staff, session: Session) -> UpsertResponse:
    """Staff only; giving the employee role takes an admin. Matches on the e-mail within the studio: creates the
    member, or overwrites the given fields of the existing one. Sends no e-mail (used by imports)."""
    if body.is_employee and principal.role < Role.admin:
        raise Forbidden("only an admin gives the employee role", code="role_change_admin_only")
    data = members.UpsertData(
        email=body.email, first_name=body.first_name, last_name=body.last_name, start_date=body.start_date,
        phone=body.phone, birth_date=body.birth_date, address=body.address,
        responsible_employee_id=body.responsible_employee_id, tag_names=body.tags, is_employee=body.is_employee,
    )  # fmt: skip
    membership, created = await members.upsert_by_email(session, principal.studio_id, data, source="staff")
    return UpsertResponse(created=created, member=MemberOut.of(await members.view(session, membership)))


@router.get(
    "/members/{member_id}", summary="A member's profile (staff; a member only their own)", response_model=MemberOut
)
async def get_member(member_id: uuid.UUID, principal: AnyUser, session: Session) -> MemberOut:
    """Staff read any member of their studio; a member reads only their own profile (another member's answers 404)."""
    ensure_own_member(principal, member_id)
    membership = await members.get_member(session, principal.studio_id, member_id)
    return MemberOut.of(await members.view(session, membership))


@router.patch("/members/{member_id}", summary="Edit a profile (staff; a member only their own personal fields)",
              response_model=MemberOut)  # fmt: skip
async def update_member(member_id: uuid.UUID, body: MemberPatch, principal: AnyUser, session: Session) -> MemberOut:
    """Partial update: only the fields sent change. Staff edit any member of their studio; a member edits only their
    own personal fields (another member's answers 404)."""
    ensure_own_member(principal, member_id)
    membership = await members.update_member(
        session, principal.studio_id, member_id, body.model_dump(exclude_unset=True), self_edit=not principal.is_staff
    )
    return MemberOut.of(await members.view(session, membership))


@router.put(
    "/members/{member_id}/role", summary="Change a person's role in this studio (admins)", response_model=MemberOut
)
async def change_role(member_id: uuid.UUID, body: RoleChange, principal: Admin, session: Session) -> MemberOut:
    """Admins only. Sets member, employee or admin, and whether an employee is also a member; the studio keeps at
    least one admin."""
    membership = await members.change_role(session, principal.studio_id, member_id, body.role, body.is_member)
    return MemberOut.of(await members.view(session, membership))


@router.put("/members/{member_id}/responsible-employee", summary="Assign or clear the responsible employee (staff)",
            operation_id="assignResponsibleEmployee", response_model=MemberOut)  # fmt: skip
async def assign_responsible(
    member_id: uuid.UUID, body: ResponsibleChange, principal: Staff, session: Session
) -> MemberOut:
    """Staff only. Sets the employee who looks after the member; send null to clear it."""
    membership = await members.assign_responsible(session, principal.studio_id, member_id, body.employee_id)
    return MemberOut.of(await members.view(session, membership))


@router.post(
    "/members/{member_id}/archive",
    operation_id="archiveMember",
    summary="Archive a member (staff)",
    response_model=MemberOut,
)
async def archive(member_id: uuid.UUID, body: ArchiveRequest, principal: Staff, session: Session) -> MemberOut:
    """Staff only. The status becomes archived with the reason (the other services follow from the MemberArchived
    event); the last admin cannot be archived. Undo with unarchive."""
    membership = await members.archive_member(session, principal.studio_id, member_id, body.reason)
    return MemberOut.of(await members.view(session, membership))


@router.post("/members/{member_id}/unarchive", summary="Make an archived member active again (staff)",
             operation_id="unarchiveMember", response_model=MemberOut)  # fmt: skip
async def unarchive(member_id: uuid.UUID, principal: Staff, session: Session) -> MemberOut:
    """Staff only. The status becomes active again."""
    membership = await members.unarchive_member(session, principal.studio_id, member_id)
    return MemberOut.of(await members.view(session, membership))
