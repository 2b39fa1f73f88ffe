"""Request and response models of the HTTP API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, cast

from gymloop_contracts.events.common import Gender
from gymloop_kit.http.links import PublicPaths
from pydantic import BaseModel, ConfigDict, Field

from gymloop_members.db.models import Attachment
from gymloop_members.service.accounts import TokenPair
from gymloop_members.service.members import MemberView

RoleName = Literal["member", "employee", "admin"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- auth --------------------------------------------------------------------------------------------------


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    account_id: uuid.UUID
    studio_id: uuid.UUID
    role: RoleName
    member_id: uuid.UUID

    @classmethod
    def of(cls, pair: TokenPair) -> TokenOut:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            account_id=pair.account_id,
            studio_id=pair.studio_id,
            role=pair.role,
            member_id=pair.member_id,
        )


class StudioChoiceOut(BaseModel):
    studio_id: uuid.UUID
    name: str
    role: RoleName


class LoginRequest(Strict):
    email: str = Field(max_length=320)
    password: str = Field(default="", max_length=1024)
    studio_id: uuid.UUID | None = Field(default=None, description="Required when the login belongs to several studios")


class LoginResponse(BaseModel):
    status: Literal["authenticated", "choose_studio"]
    tokens: TokenOut | None = None
    studios: list[StudioChoiceOut] | None = None
    message: str | None = None


class RefreshRequest(Strict):
    refresh_token: str = Field(max_length=200)


class SwitchStudioRequest(Strict):
    studio_id: uuid.UUID


class ResetRequest(Strict):
    email: str = Field(max_length=320)


class SetPasswordRequest(Strict):
    token: str = Field(max_length=200)
    new_password: str = Field(max_length=1024)


class ChangePasswordRequest(Strict):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class Accepted(BaseModel):
    status: str
    message: str


class MembershipOut(BaseModel):
    studio_id: uuid.UUID
    studio_name: str
    member_id: uuid.UUID
    role: RoleName


class MeOut(BaseModel):
    account_id: uuid.UUID
    email: str
    studio_id: uuid.UUID
    role: RoleName
    member_id: uuid.UUID | None
    memberships: list[MembershipOut]


# --- studios -----------------------------------------------------------------------------------------------


class StudioSignupRequest(Strict):
    studio_name: str = Field(max_length=200)
    timezone: str = Field(default="Europe/Amsterdam", max_length=64)
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)


class StudioCreateRequest(Strict):
    name: str = Field(max_length=200)
    timezone: str = Field(default="Europe/Amsterdam", max_length=64)


class StudioUpdateRequest(Strict):
    name: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    slug: str | None = Field(default=None, max_length=63, description="The public page's address, like fit-amsterdam")
    address: str | None = Field(default=None, max_length=500, description="Postal address; empty clears it")


class StudioOut(BaseModel):
    studio_id: uuid.UUID
    name: str
    timezone: str
    slug: str | None = None
    address: str | None = None


class PublicStudioOut(BaseModel):
    """What anybody may read of a studio: no person, no setting beyond what a poster would show."""

    studio_id: uuid.UUID
    slug: str
    name: str
    address: str | None
    timezone: str


class RegistrationRequest(Strict):
    slug: str = Field(max_length=63, description="The studio's slug, from its public page")
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024, description="Kept only for a new login; an existing login keeps its own")
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)


class VerifyEmailRequest(Strict):
    token: str = Field(max_length=200, description="The token of the sign-up e-mail's link")


# --- members -----------------------------------------------------------------------------------------------


class TagOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    color: str | None = None


class MemberCreate(Strict):
    email: str = Field(max_length=320)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    start_date: date | None = Field(default=None, description="Defaults to today")
    phone: str | None = Field(default=None, max_length=40)
    birth_date: date | None = None
    gender: Gender | None = None
    address: str | None = Field(default=None, max_length=500)
    emergency_contact_name: str | None = Field(default=None, max_length=200)
    emergency_contact_phone: str | None = Field(default=None, max_length=40)
    role: RoleName = "member"
    is_member: bool = Field(default=True, description="False for employees who are not members")
    responsible_employee_id: uuid.UUID | None = None
    tag_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)


class MemberPatch(Strict):
    email: str | None = Field(default=None, max_length=320)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    start_date: date | None = None
    phone: str | None = Field(default=None, max_length=40)
    birth_date: date | None = None
    gender: Gender | None = None
    address: str | None = Field(default=None, max_length=500)
    emergency_contact_name: str | None = Field(default=None, max_length=200)
    emergency_contact_phone: str | None = Field(default=None, max_length=40)
    is_member: bool | None = None
    responsible_employee_id: uuid.UUID | None = None


class MemberOut(BaseModel):
    id: uuid.UUID
    studio_id: uuid.UUID
    account_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    phone: str | None
    birth_date: date | None
    gender: Gender | None
    address: str | None
    start_date: date
    emergency_contact_name: str | None
    emergency_contact_phone: str | None
    role: RoleName
    is_member: bool
    status: Literal["active", "archived"]
    responsible_employee_id: uuid.UUID | None
    tags: list[TagOut]
    has_photo: bool
    archived_at: datetime | None
    archive_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: MemberView) -> MemberOut:
        m = view.membership
        return cls(
            id=m.id,
            studio_id=m.studio_id,
            account_id=m.account_id,
            email=view.email,
            first_name=m.first_name,
            last_name=m.last_name,
            phone=m.phone,
            birth_date=m.birth_date,
            gender=cast(Gender | None, m.gender),
            address=m.address,
            start_date=m.start_date,
            emergency_contact_name=m.emergency_contact_name,
            emergency_contact_phone=m.emergency_contact_phone,
            role=m.role,
            is_member=m.is_member,
            status=m.status,
            responsible_employee_id=m.responsible_employee_id,
            tags=[TagOut.model_validate(tag) for tag in view.tags],
            has_photo=m.photo_attachment_id is not None,
            archived_at=m.archived_at,
            archive_reason=m.archive_reason,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )


class RoleChange(Strict):
    role: RoleName
    is_member: bool | None = None


class ResponsibleChange(Strict):
    employee_id: uuid.UUID | None


class ArchiveRequest(Strict):
    reason: str | None = Field(default=None, max_length=500)


class UpsertRequest(Strict):
    email: str = Field(max_length=320)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    start_date: date
    phone: str | None = Field(default=None, max_length=40)
    birth_date: date | None = None
    address: str | None = Field(default=None, max_length=500)
    responsible_employee_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=list, max_length=50)
    is_employee: bool = False


class UpsertResponse(BaseModel):
    created: bool
    member: MemberOut


# --- tags, checklists, notes, attachments ------------------------------------------------------------------


class TagCreate(Strict):
    name: str = Field(max_length=100)
    color: str | None = Field(default=None, max_length=16)


class TagUpdate(Strict):
    name: str | None = Field(default=None, max_length=100)
    color: str | None = Field(default=None, max_length=16)


class ChecklistCreate(Strict):
    name: str = Field(max_length=200)
    actions: list[str] = Field(max_length=200)


class ChecklistActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    position: int
    title: str


class ChecklistOut(BaseModel):
    id: uuid.UUID
    name: str
    actions: list[ChecklistActionOut]


class AssignChecklist(Strict):
    template_id: uuid.UUID


class ChecklistItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    position: int
    title: str
    done_at: datetime | None
    done_by_account_id: uuid.UUID | None
    done_by_member_id: uuid.UUID | None


class MemberChecklistOut(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    template_id: uuid.UUID | None = Field(
        description="The template it was made from; null once that template was deleted (the checklist stays)"
    )
    name: str
    assigned_at: datetime
    assigned_by_account_id: uuid.UUID
    items: list[ChecklistItemOut]
    done: int
    total: int


class TickRequest(Strict):
    done: bool = True


class NoteCreate(Strict):
    body: str = Field(max_length=20_000)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    member_id: uuid.UUID
    author_account_id: uuid.UUID
    author_member_id: uuid.UUID | None
    body: str
    created_at: datetime


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    member_id: uuid.UUID
    kind: str
    filename: str
    content_type: str
    size: int
    uploaded_by_account_id: uuid.UUID
    created_at: datetime
    file_url: str = Field(description="Where to download the file: its full path through the gateway")

    @classmethod
    def of(cls, attachment: Attachment, links: PublicPaths) -> AttachmentOut:
        member = attachment.member_id
        path = (
            f"/members/{member}/photo"
            if attachment.kind == "photo"
            else f"/members/{member}/attachments/{attachment.id}"
        )
        return cls(
            id=attachment.id, member_id=member, kind=attachment.kind, filename=attachment.filename,
            content_type=attachment.content_type, size=attachment.size,
            uploaded_by_account_id=attachment.uploaded_by_account_id, created_at=attachment.created_at,
            file_url=links.to(path),
        )  # fmt: skip
