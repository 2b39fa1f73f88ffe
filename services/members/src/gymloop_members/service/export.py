"""What the members service contributes to the studio export: people (members and staff), tags, notes, checklists
and attachments (their details; file contents stay in the service)."""

from __future__ import annotations

from typing import Any

from gymloop_kit.export_data import Column, Dataset
from sqlalchemy import Select

from gymloop_members.db.models import (
    Account,
    Attachment,
    ChecklistTemplate,
    MemberChecklist,
    MemberChecklistItem,
    Membership,
    MemberTag,
    Note,
    Tag,
)


def _with_account(statement: Select[Any]) -> Select[Any]:
    return statement.join(Account, Account.id == Membership.account_id)


PEOPLE = Dataset(
    name="people",
    description="Members and staff of the studio (role says which), with their profile",
    studio_id=Membership.studio_id,
    order_by=(Membership.created_at, Membership.id),
    joined=_with_account,
    columns=(
        Column("member_id", Membership.id, "the person's id in this studio (members and staff alike)"),
        Column("role", Membership.role, "member, employee or admin"),
        Column("is_member", Membership.is_member, "true when a staff member also trains as a member"),
        Column("status", Membership.status, "active or archived"),
        Column("email", Account.email, "login e-mail address"),
        Column("first_name", Membership.first_name, "first name"),
        Column("last_name", Membership.last_name, "last name"),
        Column("phone", Membership.phone, "phone number"),
        Column("birth_date", Membership.birth_date, "date of birth (YYYY-MM-DD)"),
        Column("address", Membership.address, "postal address"),
        Column("start_date", Membership.start_date, "first day as a member (YYYY-MM-DD)"),
        Column("emergency_contact_name", Membership.emergency_contact_name, "who to call in an emergency"),
        Column("emergency_contact_phone", Membership.emergency_contact_phone, "their phone number"),
        Column("responsible_employee_id", Membership.responsible_employee_id, "member_id of the responsible employee"),
        Column("archive_reason", Membership.archive_reason, "why the person was archived"),
        Column("archived_at", Membership.archived_at, "when the person was archived (ISO 8601, UTC)"),
        Column("created_at", Membership.created_at, "when the person was added (ISO 8601, UTC)"),
    ),
)

TAGS = Dataset(
    name="tags",
    description="The studio's tags",
    studio_id=Tag.studio_id,
    order_by=(Tag.name_key, Tag.id),
    columns=(
        Column("tag_id", Tag.id, "the tag's id"),
        Column("name", Tag.name, "the tag as shown"),
        Column("color", Tag.color, "its colour"),
    ),
)

MEMBER_TAGS = Dataset(
    name="member_tags",
    description="Which person carries which tag",
    studio_id=MemberTag.studio_id,
    order_by=(MemberTag.member_id, MemberTag.tag_id),
    columns=(
        Column("member_id", MemberTag.member_id, "the person (people.member_id)"),
        Column("tag_id", MemberTag.tag_id, "the tag (tags.tag_id)"),
    ),
)

NOTES = Dataset(
    name="notes",
    description="Notes written on members",
    studio_id=Note.studio_id,
    order_by=(Note.created_at, Note.id),
    columns=(
        Column("note_id", Note.id, "the note's id"),
        Column("member_id", Note.member_id, "the member the note is about"),
        Column("author_member_id", Note.author_member_id, "who wrote it (people.member_id)"),
        Column("body", Note.body, "the text"),
        Column("created_at", Note.created_at, "when it was written (ISO 8601, UTC)"),
    ),
)

CHECKLIST_TEMPLATES = Dataset(
    name="checklist_templates",
    description="Checklists the studio can assign",
    studio_id=ChecklistTemplate.studio_id,
    order_by=(ChecklistTemplate.created_at, ChecklistTemplate.id),
    columns=(
        Column("template_id", ChecklistTemplate.id, "the checklist's id"),
        Column("name", ChecklistTemplate.name, "its name"),
        Column("created_at", ChecklistTemplate.created_at, "when it was made (ISO 8601, UTC)"),
    ),
)

MEMBER_CHECKLIST_ITEMS = Dataset(
    name="member_checklist_items",
    description="Each action of a checklist assigned to a member, and whether it is done",
    studio_id=MemberChecklistItem.studio_id,
    order_by=(MemberChecklistItem.checklist_id, MemberChecklistItem.position, MemberChecklistItem.id),
    joined=lambda statement: statement.join(MemberChecklist, MemberChecklist.id == MemberChecklistItem.checklist_id),
    columns=(
        Column("item_id", MemberChecklistItem.id, "the action's id"),
        Column("checklist_id", MemberChecklist.id, "the assigned checklist"),
        Column("member_id", MemberChecklist.member_id, "the member it is assigned to"),
        Column("checklist_name", MemberChecklist.name, "the checklist's name when assigned"),
        Column("template_id", MemberChecklist.template_id, "the checklist it was made from"),
        Column("assigned_at", MemberChecklist.assigned_at, "when it was assigned (ISO 8601, UTC)"),
        Column("position", MemberChecklistItem.position, "the action's place in the list"),
        Column("title", MemberChecklistItem.title, "what to do"),
        Column("done_at", MemberChecklistItem.done_at, "when it was done (ISO 8601, UTC); empty: open"),
        Column("done_by_member_id", MemberChecklistItem.done_by_member_id, "who ticked it off"),
    ),
)

ATTACHMENTS = Dataset(
    name="attachments",
    description="Files kept with members (their details; download each file from the member's attachments)",
    studio_id=Attachment.studio_id,
    order_by=(Attachment.created_at, Attachment.id),
    columns=(
        Column("attachment_id", Attachment.id, "the file's id"),
        Column("member_id", Attachment.member_id, "the member it belongs to"),
        Column("kind", Attachment.kind, "document or photo"),
        Column("filename", Attachment.filename, "the file's name"),
        Column("content_type", Attachment.content_type, "its media type"),
        Column("size", Attachment.size, "its size in bytes"),
        Column("created_at", Attachment.created_at, "when it was uploaded (ISO 8601, UTC)"),
    ),
)

DATASETS = (PEOPLE, TAGS, MEMBER_TAGS, NOTES, CHECKLIST_TEMPLATES, MEMBER_CHECKLIST_ITEMS, ATTACHMENTS)
