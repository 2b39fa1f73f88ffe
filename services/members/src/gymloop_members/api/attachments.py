"""Attachments (pdf, png, jpeg up to the size limit) and the profile photo."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Request, Response, UploadFile
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser, Staff
from gymloop_kit.http.links import Links
from gymloop_kit.http.pagination import Page, Paging
from gymloop_kit.ownership import ensure_own_member

from gymloop_members.api.deps import settings_of
from gymloop_members.api.schemas import AttachmentOut
from gymloop_members.db.models import Attachment
from gymloop_members.service import attachments

router = APIRouter(tags=["attachments"])

Upload = Annotated[UploadFile, File(description="The file: pdf, png or jpeg")]


async def _read(file: UploadFile, max_bytes: int) -> bytes:
    # One byte more than allowed is enough to know the file is too large, without holding all of it.
    return await file.read(max_bytes + 1)


def _download(attachment: Attachment) -> Response:
    return Response(
        content=attachment.data,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/members/{member_id}/attachments", summary="Attach a file to a member (staff)",
             operation_id="uploadAttachment", response_model=AttachmentOut, status_code=201)  # fmt: skip
async def upload(
    member_id: uuid.UUID, file: Upload, principal: Staff, request: Request, session: Session, links: Links
) -> AttachmentOut:
    """Staff only. A multipart file upload, up to the configured size; answers the attachment's metadata."""
    max_bytes = settings_of(request).attachment_max_bytes
    attachment = await attachments.add_attachment(
        session, principal.studio_id, member_id, filename=file.filename, content_type=file.content_type,
        data=await _read(file, max_bytes), max_bytes=max_bytes, by_account=principal.account_id,
    )  # fmt: skip
    return AttachmentOut.of(attachment, links)


@router.get("/members/{member_id}/attachments", summary="A member's attachments (staff)",
            response_model=Page[AttachmentOut])  # fmt: skip
async def list_attachments(
    member_id: uuid.UUID, principal: Staff, session: Session, page: Paging, links: Links
) -> Page[AttachmentOut]:
    """Staff only. The files attached to the member, oldest first, with their names, types and sizes."""
    rows, total = await attachments.list_attachments(session, principal.studio_id, member_id, page)
    return Page.of([AttachmentOut.of(row, links) for row in rows], total, page)


@router.get("/members/{member_id}/attachments/{attachment_id}", summary="Download an attachment (staff)",
            operation_id="downloadAttachment", response_class=Response)  # fmt: skip
async def download(member_id: uuid.UUID, attachment_id: uuid.UUID, principal: Staff, session: Session) -> Response:
    """Staff only. The file's bytes with its content type and file name."""
    return _download(
        await attachments.get_attachment(session, principal.studio_id, member_id, attachment_id, with_data=True)
    )


@router.delete("/members/{member_id}/attachments/{attachment_id}", summary="Delete an attachment (staff)",
               operation_id="deleteAttachment", status_code=204)  # fmt: skip
async def delete(member_id: uuid.UUID, attachment_id: uuid.UUID, principal: Staff, session: Session) -> Response:
    """Staff only. The attachment is deleted."""
    await attachments.delete_attachment(session, principal.studio_id, member_id, attachment_id)
    return Response(status_code=204)


@router.put("/members/{member_id}/photo", summary="Set the profile photo, png or jpeg (staff; a member their own)",
            response_model=AttachmentOut)  # fmt: skip
async def put_photo(
    member_id: uuid.UUID, file: Upload, principal: AnyUser, request: Request, session: Session, links: Links
) -> AttachmentOut:
    """Replaces the previous photo: A png or jpeg, up to the configured size. Staff set any member's photo; a member
    only their own."""
    ensure_own_member(principal, member_id)
    max_bytes = settings_of(request).attachment_max_bytes
    attachment = await attachments.add_attachment(
        session, principal.studio_id, member_id, filename=file.filename, content_type=file.content_type,
        data=await _read(file, max_bytes), max_bytes=max_bytes, by_account=principal.account_id, kind="photo",
    )  # fmt: skip
    return AttachmentOut.of(attachment, links)


@router.get("/members/{member_id}/photo", summary="The profile photo (staff; a member their own)",
            response_class=Response)  # fmt: skip
async def get_photo(member_id: uuid.UUID, principal: AnyUser, session: Session) -> Response:
    """The image bytes; 404 when the member has no photo. Staff read any member's; a member only their own."""
    ensure_own_member(principal, member_id)
    return _download(await attachments.get_photo(session, principal.studio_id, member_id))
