"""Checklists: studio templates of actions; assigned to a member as a copy, each action ticked by staff with
who and when."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from gymloop_kit.errors import NotFound
from gymloop_kit.http.pagination import PageParams, fetch_page
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import (
    ChecklistAction,
    ChecklistTemplate,
    MemberChecklist,
    MemberChecklistItem,
    Membership,
)
from gymloop_members.domain.checklists import check_template
from gymloop_members.service.common import utcnow
from gymloop_members.service.members import get_member


@dataclass(frozen=True)
class TemplateView:
    template: ChecklistTemplate
    actions: list[ChecklistAction]


@dataclass(frozen=True)
class AssignedView:
    checklist: MemberChecklist
    items: list[MemberChecklistItem]


async def create_template(session: AsyncSession, studio_id: uuid.UUID, name: str, actions: list[str]) -> TemplateView:
    name, actions = check_template(name, actions)
    template = ChecklistTemplate(id=uuid.uuid4(), studio_id=studio_id, name=name)
    session.add(template)
    await session.flush()
    rows = _actions(studio_id, template.id, actions)
    session.add_all(rows)
    await session.flush()
    return TemplateView(template, rows)


async def update_template(
    session: AsyncSession, studio_id: uuid.UUID, template_id: uuid.UUID, name: str, actions: list[str]
) -> TemplateView:
    """Replaces the template's name and actions for checklists assigned from now on; checklists already assigned
    keep their own copy (and what was ticked on them)."""
    name, actions = check_template(name, actions)
    template = await _template_row(session, studio_id, template_id, lock=True)
    template.name = name
    await session.execute(delete(ChecklistAction).where(ChecklistAction.template_id == template.id))
    session.add_all(_actions(studio_id, template.id, actions))
    await session.flush()
    return await get_template(session, studio_id, template_id)


async def delete_template(session: AsyncSession, studio_id: uuid.UUID, template_id: uuid.UUID) -> None:
    """Members' checklists made from it stay readable: they hold their own name, actions and ticks, and only lose
    the link to the template (the database sets it to null)."""
    template = await _template_row(session, studio_id, template_id, lock=True)
    await session.delete(template)
    await session.flush()


async def _template_row(
    session: AsyncSession, studio_id: uuid.UUID, template_id: uuid.UUID, *, lock: bool = False
) -> ChecklistTemplate:
    statement = select(ChecklistTemplate).where(
        ChecklistTemplate.id == template_id, ChecklistTemplate.studio_id == studio_id
    )
    template = await session.scalar(statement.with_for_update() if lock else statement)
    if template is None:
        raise NotFound(f"checklist {template_id} not found", code="checklist_not_found")
    return template


def _actions(studio_id: uuid.UUID, template_id: uuid.UUID, titles: list[str]) -> list[ChecklistAction]:
    return [
        ChecklistAction(id=uuid.uuid4(), studio_id=studio_id, template_id=template_id, position=i, title=title)
        for i, title in enumerate(titles, start=1)
    ]


async def get_template(session: AsyncSession, studio_id: uuid.UUID, template_id: uuid.UUID) -> TemplateView:
    template = await _template_row(session, studio_id, template_id)
    actions = await session.scalars(
        select(ChecklistAction).where(ChecklistAction.template_id == template.id).order_by(ChecklistAction.position)
    )
    return TemplateView(template, list(actions))


async def list_templates(session: AsyncSession, studio_id: uuid.UUID) -> list[TemplateView]:
    templates = await session.scalars(
        select(ChecklistTemplate).where(ChecklistTemplate.studio_id == studio_id).order_by(ChecklistTemplate.name)
    )
    return [await get_template(session, studio_id, template.id) for template in templates]


async def assign(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, template_id: uuid.UUID, *, by_account: uuid.UUID
) -> AssignedView:
    member = await get_member(session, studio_id, member_id)
    template = await get_template(session, studio_id, template_id)
    checklist = MemberChecklist(
        id=uuid.uuid4(),
        studio_id=studio_id,
        member_id=member.id,
        template_id=template.template.id,
        name=template.template.name,
        assigned_by_account_id=by_account,
        assigned_at=utcnow(),
    )
    session.add(checklist)
    await session.flush()
    items = [
        MemberChecklistItem(
            id=uuid.uuid4(),
            studio_id=studio_id,
            checklist_id=checklist.id,
            position=action.position,
            title=action.title,
        )
        for action in template.actions
    ]
    session.add_all(items)
    await session.flush()
    return AssignedView(checklist, items)


async def _assigned(session: AsyncSession, checklist: MemberChecklist) -> AssignedView:
    items = await session.scalars(
        select(MemberChecklistItem)
        .where(MemberChecklistItem.checklist_id == checklist.id)
        .order_by(MemberChecklistItem.position)
    )
    return AssignedView(checklist, list(items))


async def member_checklists(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, page: PageParams
) -> tuple[list[AssignedView], int]:
    return await checklists_of(session, await get_member(session, studio_id, member_id), page)


async def checklists_of(session: AsyncSession, member: Membership, page: PageParams) -> tuple[list[AssignedView], int]:
    """The checklists assigned to a member already looked up, each with its actions (one read for all of them)."""
    statement = (
        select(MemberChecklist)
        .where(MemberChecklist.member_id == member.id, MemberChecklist.studio_id == member.studio_id)
        .order_by(MemberChecklist.assigned_at, MemberChecklist.id)
    )
    rows, total = await fetch_page(session, statement, page)
    items: dict[uuid.UUID, list[MemberChecklistItem]] = {row.id: [] for row in rows}
    if rows:
        for item in await session.scalars(
            select(MemberChecklistItem)
            .where(MemberChecklistItem.checklist_id.in_(items))
            .order_by(MemberChecklistItem.checklist_id, MemberChecklistItem.position)
        ):
            items[item.checklist_id].append(item)
    return [AssignedView(row, items[row.id]) for row in rows], total


async def tick(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    checklist_id: uuid.UUID,
    item_id: uuid.UUID,
    *,
    done: bool,
    by_account: uuid.UUID,
    by_member: uuid.UUID | None,
) -> AssignedView:
    checklist = await session.scalar(
        select(MemberChecklist).where(
            MemberChecklist.id == checklist_id,
            MemberChecklist.member_id == member_id,
            MemberChecklist.studio_id == studio_id,
        )
    )
    if checklist is None:
        raise NotFound(f"checklist {checklist_id} not found for this member", code="checklist_not_found")
    item = await session.scalar(
        select(MemberChecklistItem)
        .where(MemberChecklistItem.id == item_id, MemberChecklistItem.checklist_id == checklist.id)
        .with_for_update()
    )
    if item is None:
        raise NotFound(f"action {item_id} not found in this checklist", code="checklist_item_not_found")
    if done and item.done_at is None:
        item.done_at, item.done_by_account_id, item.done_by_member_id = utcnow(), by_account, by_member
    elif not done:
        item.done_at, item.done_by_account_id, item.done_by_member_id = None, None, None
    await session.flush()
    return await _assigned(session, checklist)
