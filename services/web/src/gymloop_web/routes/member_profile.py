"""The member overview's profile actions: set the tags and the responsible employee, assign a checklist and tick its
actions, upload an attachment and download it again, set the photo and show it. Each goes to members behind the
gateway, which keeps the rules."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.downloads import passed_on
from gymloop_web.gateway import ApiError, Gateway
from gymloop_web.messages import translator
from gymloop_web.routes.member_overview import act_on_member, overview_page
from gymloop_web.session import WebSession

router = APIRouter()


@router.post("/members/{member_id}/tags")
async def set_tags(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    tag_ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies the default per request)
) -> Response:
    """The ticked tags become the member's: the new ones are put on, the unticked ones taken off."""

    async def apply() -> None:
        member = await gateway.call(session, "GET", f"/api/v1/members/members/{member_id}")
        current = {tag["id"] for tag in member.get("tags", [])}
        wanted = set(tag_ids)
        path = f"/api/v1/members/members/{member_id}/tags/"
        await asyncio.gather(
            *(gateway.call(session, "PUT", path + tag) for tag in sorted(wanted - current)),
            *(gateway.call(session, "DELETE", path + tag) for tag in sorted(current - wanted)),
        )

    return await act_on_member(request, session, gateway, member_id, apply, "profile")


@router.post("/members/{member_id}/responsible")
async def set_responsible(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    employee_id: Annotated[str, Form()] = "",
) -> Response:
    """An empty choice clears the responsible employee."""

    async def assign() -> None:
        await gateway.call(
            session,
            "PUT",
            f"/api/v1/members/members/{member_id}/responsible-employee",
            json={"employee_id": employee_id or None},
        )

    return await act_on_member(request, session, gateway, member_id, assign, "profile", {"employee_id": employee_id})


@router.post("/members/{member_id}/checklists/{checklist_id}/items/{item_id}")
async def tick(
    request: Request,
    member_id: uuid.UUID,
    checklist_id: uuid.UUID,
    item_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    done: Annotated[str, Form()] = "true",
) -> Response:
    async def mark() -> None:
        await gateway.call(
            session,
            "PUT",
            f"/api/v1/members/members/{member_id}/checklists/{checklist_id}/items/{item_id}",
            json={"done": done == "true"},
        )

    return await act_on_member(request, session, gateway, member_id, mark, "checklists")


@router.post("/members/{member_id}/checklists")
async def assign_checklist(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    template_id: Annotated[str, Form()] = "",
) -> Response:
    """Members copies the template's actions onto the member, to tick off."""

    async def assign() -> None:
        body = {"template_id": template_id or None}
        await gateway.call(session, "POST", f"/api/v1/members/members/{member_id}/checklists", json=body)

    return await act_on_member(request, session, gateway, member_id, assign, "checklists", {"template_id": template_id})


async def send_file(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    member_id: uuid.UUID,
    file: UploadFile | None,
    method: str,
    path: str,
    field: str,
) -> Response:
    """A file from the form to members (an attachment or the photo); members checks its type and size."""
    if file is None or not file.filename:
        t = translator(request.app.state.settings.web_language)
        error = ApiError(422, "invalid", "", fields={field: t("attachment.choose_file")})
        return await overview_page(request, session, gateway, member_id, 0, error, 422)
    sent = (file.filename, await file.read(), file.content_type or "application/octet-stream")

    async def send() -> None:
        try:
            await gateway.call(session, method, path, files=sent)
        except ApiError as refused:  # members names the part `file`: shown next to the form's own control
            if "file" in refused.fields:
                refused.fields[field] = refused.fields.pop("file")
            raise

    return await act_on_member(request, session, gateway, member_id, send, "attachments")


@router.post("/members/{member_id}/attachments")
async def upload(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    path = f"/api/v1/members/members/{member_id}/attachments"
    return await send_file(request, session, gateway, member_id, file, "POST", path, "file")


@router.post("/members/{member_id}/photo")
async def upload_photo(
    request: Request,
    member_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Replaces the member's photo (a png or jpeg). The form's field is `photo`, so members' error about the file
    shows next to this control and not the attachment's."""
    path = f"/api/v1/members/members/{member_id}/photo"
    return await send_file(request, session, gateway, member_id, photo, "PUT", path, "photo")


@router.get("/members/{member_id}/photo")
async def photo(member_id: uuid.UUID, session: StaffSession, gateway: GatewayDep) -> Response:
    return passed_on(await gateway.download(session, f"/api/v1/members/members/{member_id}/photo"))


@router.get("/members/{member_id}/attachments/{attachment_id}")
async def download(
    member_id: uuid.UUID, attachment_id: uuid.UUID, session: StaffSession, gateway: GatewayDep
) -> Response:
    return passed_on(
        await gateway.download(session, f"/api/v1/members/members/{member_id}/attachments/{attachment_id}")
    )
