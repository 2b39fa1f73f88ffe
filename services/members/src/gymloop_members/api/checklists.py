"""Checklists: templates (admins define, staff read), assigned to members and ticked by staff."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin, Staff
from gymloop_kit.http.pagination import Page, Paging

from gymloop_members.api.schemas import (
    AssignChecklist,
    ChecklistActionOut,
    ChecklistCreate,
    ChecklistItemOut,
    ChecklistOut,
    MemberChecklistOut,
    TickRequest,
)
from gymloop_members.service import checklists

router = APIRouter(tags=["checklists"])


def _template(view: checklists.TemplateView) -> ChecklistOut:
    return ChecklistOut(
        id=view.template.id,
        name=view.template.name,
        actions=[ChecklistActionOut.model_validate(action) for action in view.actions],
    )


def assigned_out(view: checklists.AssignedView) -> MemberChecklistOut:
    c = view.checklist
    return MemberChecklistOut(
        id=c.id, member_id=c.member_id, template_id=c.template_id, name=c.name, assigned_at=c.assigned_at,
        assigned_by_account_id=c.assigned_by_account_id,
        items=[ChecklistItemOut.model_validate(item) for item in view.items],
        done=sum(1 for item in view.items if item.done_at is not None), total=len(view.items),
    )  # fmt: skip


@router.get(
    "/checklists",
    operation_id="listChecklistTemplates",
    summary="The studio's checklist templates (staff)",
    response_model=list[ChecklistOut],
)
async def list_templates(principal: Staff, session: Session) -> list[ChecklistOut]:
    """Staff only. Every checklist template of the studio with its actions in order."""
    return [_template(view) for view in await checklists.list_templates(session, principal.studio_id)]


@router.post("/checklists", summary="Define a checklist template with its actions (admins)",
             operation_id="createChecklistTemplate", response_model=ChecklistOut, status_code=201)  # fmt: skip
async def create_template(body: ChecklistCreate, principal: Admin, session: Session) -> ChecklistOut:
    """Admins only. A template is a named list of actions that can then be assigned to members."""
    return _template(await checklists.create_template(session, principal.studio_id, body.name, body.actions))


@router.get(
    "/checklists/{template_id}",
    operation_id="getChecklistTemplate",
    summary="One checklist template (staff)",
    response_model=ChecklistOut,
)
async def get_template(template_id: uuid.UUID, principal: Staff, session: Session) -> ChecklistOut:
    """Staff only. The template with its actions in order; 404 for another studio's."""
    return _template(await checklists.get_template(session, principal.studio_id, template_id))


@router.put(
    "/checklists/{template_id}",
    operation_id="updateChecklistTemplate",
    summary="Change a checklist template's name and actions (admins)",
    response_model=ChecklistOut,
)
async def update_template(
    template_id: uuid.UUID, body: ChecklistCreate, principal: Admin, session: Session
) -> ChecklistOut:
    """Admins only. Replaces the name and the actions, in order, for checklists assigned from now on; checklists
    already assigned to members keep theirs and what was ticked. 404 for another studio's."""
    view = await checklists.update_template(session, principal.studio_id, template_id, body.name, body.actions)
    return _template(view)


@router.delete("/checklists/{template_id}", operation_id="deleteChecklistTemplate",
               summary="Delete a checklist template; members' checklists made from it stay (admins)",
               status_code=204)  # fmt: skip
async def delete_template(template_id: uuid.UUID, principal: Admin, session: Session) -> Response:
    """Admins only. The template can no longer be assigned; each member's checklist made from it keeps its name,
    actions and ticks (its template_id becomes null). 404 for another studio's."""
    await checklists.delete_template(session, principal.studio_id, template_id)
    return Response(status_code=204)


@router.post("/members/{member_id}/checklists", summary="Assign a checklist to a member (staff)",
             operation_id="assignChecklist", response_model=MemberChecklistOut, status_code=201)  # fmt: skip
async def assign(member_id: uuid.UUID, body: AssignChecklist, principal: Staff, session: Session) -> MemberChecklistOut:
    """Staff only. Copies the template's actions onto the member as a checklist to tick off; records who assigned it."""
    view = await checklists.assign(
        session, principal.studio_id, member_id, body.template_id, by_account=principal.account_id
    )
    return assigned_out(view)


@router.get("/members/{member_id}/checklists", summary="A member's checklists with progress (staff)",
            operation_id="listMemberChecklists", response_model=Page[MemberChecklistOut])  # fmt: skip
async def member_checklists(
    member_id: uuid.UUID, principal: Staff, session: Session, page: Paging
) -> Page[MemberChecklistOut]:
    """Staff only. Each checklist assigned to the member, with its actions, which are done, by whom and when."""
    views, total = await checklists.member_checklists(session, principal.studio_id, member_id, page)
    return Page.of([assigned_out(view) for view in views], total, page)


@router.put(
    "/members/{member_id}/checklists/{checklist_id}/items/{item_id}",
    operation_id="tickChecklistItem",
    summary="Tick (or untick) an action; records who and when (staff)",
    response_model=MemberChecklistOut,
)
async def tick(
    member_id: uuid.UUID, checklist_id: uuid.UUID, item_id: uuid.UUID, body: TickRequest, principal: Staff,
    session: Session,
) -> MemberChecklistOut:  # fmt: skip
    """Staff only. Marks one action done (or not done again) and records who did it and when; answers the whole
    checklist."""
    view = await checklists.tick(
        session, principal.studio_id, member_id, checklist_id, item_id, done=body.done,
        by_account=principal.account_id, by_member=principal.member_id,
    )  # fmt: skip
    return assigned_out(view)
