"""Tags: the studio's tag list (admins manage it) and tags on members (staff)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin, Staff

from gymloop_members.api.schemas import MemberOut, TagCreate, TagOut, TagUpdate
from gymloop_members.service import members, tags

router = APIRouter(tags=["tags"])


@router.get("/tags", summary="The studio's tags (staff)", response_model=list[TagOut])
async def list_tags(principal: Staff, session: Session) -> list[TagOut]:
    """Staff only. Every tag of the studio with its colour."""
    return [TagOut.model_validate(tag) for tag in await tags.list_tags(session, principal.studio_id)]


@router.post("/tags", summary="Define a tag (admins)", response_model=TagOut, status_code=201)
async def create_tag(body: TagCreate, principal: Admin, session: Session) -> TagOut:
    """Admins only. Answers the new tag."""
    return TagOut.model_validate(await tags.create_tag(session, principal.studio_id, body.name, body.color))


@router.patch("/tags/{tag_id}", summary="Rename or recolour a tag (admins)", response_model=TagOut)
async def update_tag(tag_id: uuid.UUID, body: TagUpdate, principal: Admin, session: Session) -> TagOut:
    """Admins only. Only the fields sent change."""
    return TagOut.model_validate(await tags.update_tag(session, principal.studio_id, tag_id, body.name, body.color))


@router.delete("/tags/{tag_id}", summary="Delete a tag and take it off every member (admins)", status_code=204)
async def delete_tag(tag_id: uuid.UUID, principal: Admin, session: Session) -> Response:
    """Admins only. The tag disappears from every member that had it."""
    await tags.delete_tag(session, principal.studio_id, tag_id)
    return Response(status_code=204)


@router.put(
    "/members/{member_id}/tags/{tag_id}",
    operation_id="attachTag",
    summary="Put a tag on a member (staff)",
    response_model=MemberOut,
)
async def attach(member_id: uuid.UUID, tag_id: uuid.UUID, principal: Staff, session: Session) -> MemberOut:
    """Staff only. Idempotent: tagging a member twice keeps one tag. Answers the member with their tags."""
    membership = await tags.attach_tag(session, principal.studio_id, member_id, tag_id)
    return MemberOut.of(await members.view(session, membership))


@router.delete(
    "/members/{member_id}/tags/{tag_id}",
    operation_id="detachTag",
    summary="Take a tag off a member (staff)",
    response_model=MemberOut,
)
async def detach(member_id: uuid.UUID, tag_id: uuid.UUID, principal: Staff, session: Session) -> MemberOut:
    """Staff only. Idempotent: taking off a tag the member does not have changes nothing. Answers the member with
    their tags."""
    membership = await tags.detach_tag(session, principal.studio_id, member_id, tag_id)
    return MemberOut.of(await members.view(session, membership))
