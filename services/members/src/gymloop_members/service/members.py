"""Use cases on members and employees: register, read, edit, search, archive, responsible employee, roles,
and the importer's upsert by e-mail. They take a session and never commit."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from gymloop_contracts.events.common import ImportRef
from gymloop_contracts.events.members import MemberArchived, MemberUnarchived, ResponsibleEmployeeAssigned
from gymloop_kit.db import AnySelect
from gymloop_kit.errors import Forbidden, NotFound
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import Account, Membership, MemberTag, Studio, Tag
from gymloop_members.domain.errors import DomainConflict, DomainError
from gymloop_members.domain.member_import import check_import_may_overwrite
from gymloop_members.domain.profile import (
    SELF_EDITABLE_FIELDS,
    check_birth_date,
    check_length,
    check_name,
    check_self_edit,
    normalize_email,
)
from gymloop_members.domain.roles import check_keeps_an_admin, is_staff, parse_role
from gymloop_members.domain.status import check_can_archive, check_can_unarchive
from gymloop_members.domain.tags import check_tag_name
from gymloop_members.service.common import lock_key, utcnow
from gymloop_members.service.events import emit_registered, emit_updated

Source = Literal["staff", "self", "import"]


@dataclass
class NewMember:
    email: str
    first_name: str
    last_name: str
    start_date: date | None = None
    phone: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    address: str | None = None
    emergency_contact_name: str | None = None
    emergency_contact_phone: str | None = None
    role: str = "member"
    is_member: bool = True
    responsible_employee_id: uuid.UUID | None = None
    tag_ids: list[uuid.UUID] = field(default_factory=list)


@dataclass(frozen=True)
class MemberView:
    membership: Membership
    email: str
    tags: list[Tag]


@dataclass(frozen=True)
class MemberFilters:
    q: str | None = None
    tag_id: uuid.UUID | None = None
    responsible_employee_id: uuid.UUID | None = None
    status: str | None = None
    role: str | None = None
    is_member: bool | None = None
    limit: int = 50
    offset: int = 0


async def get_member(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, *, lock: bool = False
) -> Membership:
    """The member of this studio, or 404: another studio's member is not revealed."""
    statement = select(Membership).where(Membership.id == member_id, Membership.studio_id == studio_id)
    if lock:
        statement = statement.with_for_update()
    membership = await session.scalar(statement)
    if membership is None:
        raise NotFound(f"member {member_id} not found", code="member_not_found")
    return membership


async def views(session: AsyncSession, memberships: list[Membership]) -> list[MemberView]:
    if not memberships:
        return []
    ids = [m.id for m in memberships]
    account_rows = await session.execute(
        select(Account.id, Account.email).where(Account.id.in_([m.account_id for m in memberships]))
    )
    emails: dict[uuid.UUID, str] = {account_id: email for account_id, email in account_rows}
    tags: dict[uuid.UUID, list[Tag]] = defaultdict(list)
    rows = await session.execute(
        select(MemberTag.member_id, Tag)
        .join(Tag, Tag.id == MemberTag.tag_id)
        .where(MemberTag.member_id.in_(ids))
        .order_by(Tag.name_key)
    )
    for member_id, tag in rows:
        tags[member_id].append(tag)
    return [MemberView(m, emails[m.account_id], tags[m.id]) for m in memberships]


async def view(session: AsyncSession, membership: Membership) -> MemberView:
    return (await views(session, [membership]))[0]


async def _check_responsible(
    session: AsyncSession, studio_id: uuid.UUID, employee_id: uuid.UUID | None, member_id: uuid.UUID | None
) -> None:
    if employee_id is None:
        return
    employee = await session.scalar(
        select(Membership).where(Membership.id == employee_id, Membership.studio_id == studio_id)
    )
    if employee is None or not is_staff(employee.role) or employee.status != "active":
        raise DomainError(
            code="responsible_not_employee",
            field="responsible_employee_id",
            message=f"{employee_id} is not an active employee of this studio: choose one of the studio's staff",
        )
    if employee_id == member_id:
        raise DomainError(
            code="responsible_is_self",
            field="responsible_employee_id",
            message="a member cannot be their own responsible employee",
        )


async def _studio_tags(session: AsyncSession, studio_id: uuid.UUID, tag_ids: list[uuid.UUID]) -> list[Tag]:
    if not tag_ids:
        return []
    found = list(await session.scalars(select(Tag).where(Tag.studio_id == studio_id, Tag.id.in_(tag_ids))))
    missing = set(tag_ids) - {tag.id for tag in found}
    if missing:
        raise DomainError(
            code="tag_unknown",
            field="tag_ids",
            message=f"tag {sorted(map(str, missing))[0]} does not exist in this studio",
        )
    return found


async def _set_tags(session: AsyncSession, membership: Membership, tags: list[Tag]) -> None:
    existing = set(await session.scalars(select(MemberTag.tag_id).where(MemberTag.member_id == membership.id)))
    wanted = {tag.id for tag in tags}
    for tag_id in existing - wanted:
        await session.delete(await session.get(MemberTag, (membership.id, tag_id)))
    for tag_id in wanted - existing:
        session.add(MemberTag(studio_id=membership.studio_id, member_id=membership.id, tag_id=tag_id))
    await session.flush()


async def register_member(
    session: AsyncSession,
    studio_id: uuid.UUID,
    data: NewMember,
    *,
    may_grant_roles: bool,
    source: Source,
    import_ref: ImportRef | None = None,
    password_hash: str | None = None,
    today: date | None = None,
) -> Membership:
    """A person joins this studio. An existing login (same e-mail, another studio) is reused: one login per
    person. Without a password the person chooses one at their first login."""
    today = today or utcnow().date()
    email = normalize_email(data.email)
    first_name = check_name(data.first_name, field="first_name")
    last_name = check_name(data.last_name, field="last_name")
    check_birth_date(data.birth_date, today=today)
    role = parse_role(data.role)
    if role != "member" and not may_grant_roles:
        raise Forbidden("only an admin gives the employee or admin role", code="role_change_admin_only")
    await lock_key(session, f"email:{email}")
    account = await session.scalar(select(Account).where(Account.email == email))
    if account is not None:
        taken = await session.scalar(
            select(Membership.id).where(Membership.account_id == account.id, Membership.studio_id == studio_id)
        )
        if taken is not None:
            raise DomainConflict(
                code="email_taken", field="email", message=f"{email} already belongs to a person of this studio"
            )
    await _check_responsible(session, studio_id, data.responsible_employee_id, None)
    tags = await _studio_tags(session, studio_id, data.tag_ids)
    if account is None:
        account = Account(id=uuid.uuid4(), email=email, password_hash=password_hash)
        session.add(account)
    membership = Membership(
        id=uuid.uuid4(),
        studio_id=studio_id,
        account_id=account.id,
        role=role,
        is_member=data.is_member,
        status="active",
        first_name=first_name,
        last_name=last_name,
        phone=_clean(data.phone),
        birth_date=data.birth_date,
        gender=data.gender,
        address=_clean(data.address),
        start_date=data.start_date or today,
        emergency_contact_name=_clean(data.emergency_contact_name),
        emergency_contact_phone=_clean(data.emergency_contact_phone),
        responsible_employee_id=data.responsible_employee_id,
    )
    session.add(membership)
    await session.flush()
    if tags:
        await _set_tags(session, membership, tags)
    await emit_registered(session, membership, source=source, import_ref=import_ref)
    return membership


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


# What staff may change on a profile: the member's own fields and the studio's.
PROFILE_FIELDS = SELF_EDITABLE_FIELDS | {"email", "start_date", "is_member", "responsible_employee_id"}


async def update_member(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    changes: dict[str, Any],
    *,
    self_edit: bool,
    today: date | None = None,
) -> Membership:
    """Edit the profile. A member editing their own profile may change only the personal fields."""
    today = today or utcnow().date()
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(code="field_unknown", field=name, message=f"{name} cannot be changed here")
    if self_edit:
        check_self_edit(set(changes) - {"email"})
    membership = await get_member(session, studio_id, member_id, lock=True)
    if "first_name" in changes:
        membership.first_name = check_name(changes["first_name"] or "", field="first_name")
    if "last_name" in changes:
        membership.last_name = check_name(changes["last_name"] or "", field="last_name")
    if "birth_date" in changes:
        check_birth_date(changes["birth_date"], today=today)
        membership.birth_date = changes["birth_date"]
    if "start_date" in changes:
        if changes["start_date"] is None:
            raise DomainError(code="start_date_required", field="start_date", message="a member needs a start date")
        membership.start_date = changes["start_date"]
    if "gender" in changes:
        membership.gender = changes["gender"]
    for name in ("phone", "address", "emergency_contact_name", "emergency_contact_phone"):
        if name in changes:
            setattr(membership, name, _clean(changes[name]))
    if "is_member" in changes and changes["is_member"] is not None:
        membership.is_member = bool(changes["is_member"])
    previous_responsible = membership.responsible_employee_id
    if "responsible_employee_id" in changes:
        await _check_responsible(session, studio_id, changes["responsible_employee_id"], membership.id)
        membership.responsible_employee_id = changes["responsible_employee_id"]
    also_updated: list[Membership] = []
    if "email" in changes and changes["email"] is not None:
        also_updated = await _change_email(session, membership, changes["email"], self_edit=self_edit)
    membership.updated_at = utcnow()
    await session.flush()
    if membership.responsible_employee_id != previous_responsible:
        await add_event(
            session,
            ResponsibleEmployeeAssigned(
                member_id=membership.id,
                employee_id=membership.responsible_employee_id,
                previous_employee_id=previous_responsible,
            ),
            studio_id=studio_id,
        )
    await emit_updated(session, membership)
    for other in also_updated:
        await emit_updated(session, other)
    return membership


async def _change_email(
    session: AsyncSession, membership: Membership, new_email: str, *, self_edit: bool
) -> list[Membership]:
    """The e-mail is the person's login. Staff of one studio may not change the login of a person who also
    belongs to other studios; the person may. Returns the person's other memberships (their state changed)."""
    email = normalize_email(new_email)
    account = await session.get(Account, membership.account_id, with_for_update=True)
    assert account is not None
    if account.email == email:
        return []
    await lock_key(session, f"email:{email}")
    if await session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise DomainConflict(
            code="email_taken", field="email", message=f"{email} is already the login of another person"
        )
    others = list(
        await session.scalars(
            select(Membership).where(Membership.account_id == account.id, Membership.id != membership.id)
        )
    )
    if others and not self_edit:
        raise DomainConflict(
            code="email_shared_login",
            field="email",
            message="this person also belongs to another studio: they change their login e-mail themselves",
        )
    account.email = email
    return others


def _filtered(statement: AnySelect, studio_id: uuid.UUID, filters: MemberFilters) -> AnySelect:
    statement = statement.where(Membership.studio_id == studio_id)
    if filters.q:
        pattern = "%" + filters.q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        full_name = func.lower(Membership.first_name + " " + Membership.last_name)
        statement = statement.where(
            or_(full_name.like(pattern, escape="\\"), func.lower(Account.email).like(pattern, escape="\\"))
        )
    if filters.tag_id is not None:
        statement = statement.where(
            Membership.id.in_(
                select(MemberTag.member_id).where(MemberTag.tag_id == filters.tag_id, MemberTag.studio_id == studio_id)
            )
        )
    if filters.responsible_employee_id is not None:
        statement = statement.where(Membership.responsible_employee_id == filters.responsible_employee_id)
    if filters.status is not None:
        statement = statement.where(Membership.status == filters.status)
    if filters.role is not None:
        statement = statement.where(Membership.role == filters.role)
    if filters.is_member is not None:
        statement = statement.where(Membership.is_member == filters.is_member)
    return statement


async def search_members(
    session: AsyncSession, studio_id: uuid.UUID, filters: MemberFilters
) -> tuple[list[MemberView], int]:
    base = select(Membership).join(Account, Account.id == Membership.account_id)
    total = await session.scalar(
        _filtered(
            select(func.count()).select_from(Membership).join(Account, Account.id == Membership.account_id),
            studio_id,
            filters,
        )
    )
    rows = await session.scalars(
        _filtered(base, studio_id, filters)
        .order_by(func.lower(Membership.last_name), func.lower(Membership.first_name), Membership.id)
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return await views(session, list(rows)), int(total or 0)


async def archive_member(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, reason: str | None
) -> Membership:
    membership = await get_member(session, studio_id, member_id, lock=True)
    check_can_archive(membership.status)
    if membership.role == "admin":
        await _check_other_admins(session, membership, new_role="archived")
    membership.status = "archived"
    membership.archived_at = utcnow()
    membership.archive_reason = _clean(reason)
    await session.flush()
    await add_event(
        session, MemberArchived(member_id=membership.id, reason=membership.archive_reason), studio_id=studio_id
    )
    await emit_updated(session, membership)
    return membership


async def unarchive_member(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> Membership:
    membership = await get_member(session, studio_id, member_id, lock=True)
    check_can_unarchive(membership.status)
    membership.status = "active"
    membership.archived_at = None
    membership.archive_reason = None
    await session.flush()
    await add_event(session, MemberUnarchived(member_id=membership.id), studio_id=studio_id)
    await emit_updated(session, membership)
    return membership


async def assign_responsible(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, employee_id: uuid.UUID | None
) -> Membership:
    return await update_member(session, studio_id, member_id, {"responsible_employee_id": employee_id}, self_edit=False)


async def _check_other_admins(session: AsyncSession, membership: Membership, *, new_role: str) -> None:
    # The studio row serialises concurrent demotions: two admins demoting each other cannot both succeed.
    await session.scalar(select(Studio).where(Studio.studio_id == membership.studio_id).with_for_update())
    others = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            and_(
                Membership.studio_id == membership.studio_id,
                Membership.role == "admin",
                Membership.status == "active",
                Membership.id != membership.id,
            )
        )
    )
    check_keeps_an_admin(membership.role, new_role, int(others or 0))


async def change_role(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, role: str, is_member: bool | None
) -> Membership:
    new_role = parse_role(role)
    membership = await get_member(session, studio_id, member_id, lock=True)
    await _check_other_admins(session, membership, new_role=new_role)
    membership.role = new_role
    if is_member is not None:
        membership.is_member = is_member
    membership.updated_at = utcnow()
    await session.flush()
    await emit_updated(session, membership)
    return membership


async def set_member_tags(session: AsyncSession, membership: Membership, tags: list[Tag]) -> None:
    await _set_tags(session, membership, tags)


@dataclass
class UpsertData:
    email: str
    first_name: str
    last_name: str
    start_date: date
    phone: str | None = None
    birth_date: date | None = None
    address: str | None = None
    responsible_employee_id: uuid.UUID | None = None
    tag_names: list[str] = field(default_factory=list)
    is_employee: bool = False


async def upsert_by_email(
    session: AsyncSession,
    studio_id: uuid.UUID,
    data: UpsertData,
    *,
    source: Source,
    import_ref: ImportRef | None = None,
    today: date | None = None,
) -> tuple[Membership, bool]:
    """Create the person, or overwrite an existing member's data (seed 003). No e-mail is sent: the person
    receives a set-password e-mail at their first login. Empty optional values keep what is stored, so a
    sparse import row does not wipe a phone number; given tags replace the member's tags. An import never
    overwrites an admin or an archived member (domain.member_import)."""
    today = today or utcnow().date()
    email = normalize_email(data.email)
    check_length(data.phone, field="phone", limit=40)
    check_length(data.address, field="address", limit=500)
    tags = await ensure_tags(session, studio_id, data.tag_names)
    await lock_key(session, f"email:{email}")
    existing = await session.scalar(
        select(Membership)
        .join(Account, Account.id == Membership.account_id)
        .where(Account.email == email, Membership.studio_id == studio_id)
        .with_for_update(of=Membership)
    )
    if existing is None:
        new = NewMember(
            email=email,
            first_name=data.first_name,
            last_name=data.last_name,
            start_date=data.start_date,
            phone=data.phone,
            birth_date=data.birth_date,
            address=data.address,
            role="employee" if data.is_employee else "member",
            is_member=True,
            responsible_employee_id=data.responsible_employee_id,
            tag_ids=[tag.id for tag in tags],
        )
        membership = await register_member(
            session, studio_id, new, may_grant_roles=True, source=source, import_ref=import_ref, today=today
        )
        return membership, True
    if source == "import":
        check_import_may_overwrite(email=email, role=existing.role, status=existing.status)
    existing.first_name = check_name(data.first_name, field="first_name")
    existing.last_name = check_name(data.last_name, field="last_name")
    existing.start_date = data.start_date
    if data.birth_date is not None:
        check_birth_date(data.birth_date, today=today)
        existing.birth_date = data.birth_date
    if data.phone:
        existing.phone = _clean(data.phone)
    if data.address:
        existing.address = _clean(data.address)
    previous_responsible = existing.responsible_employee_id
    if data.responsible_employee_id is not None:
        await _check_responsible(session, studio_id, data.responsible_employee_id, existing.id)
        existing.responsible_employee_id = data.responsible_employee_id
    if data.is_employee and existing.role == "member":
        existing.role = "employee"  # an import grants backend access; it never takes admin away
    if tags:
        await _set_tags(session, existing, tags)
    existing.updated_at = utcnow()
    await session.flush()
    if existing.responsible_employee_id != previous_responsible:
        await add_event(
            session,
            ResponsibleEmployeeAssigned(
                member_id=existing.id,
                employee_id=existing.responsible_employee_id,
                previous_employee_id=previous_responsible,
            ),
            studio_id=studio_id,
        )
    await emit_updated(session, existing, import_ref=import_ref)
    return existing, False


async def ensure_tags(session: AsyncSession, studio_id: uuid.UUID, names: list[str]) -> list[Tag]:
    """The studio's tags of these names, created when missing (an import may bring new tags)."""
    result: dict[str, Tag] = {}
    for raw in names:
        name = check_tag_name(raw)
        key = name.lower()
        if key in result:
            continue
        tag = await session.scalar(select(Tag).where(Tag.studio_id == studio_id, Tag.name_key == key))
        if tag is None:
            tag = Tag(id=uuid.uuid4(), studio_id=studio_id, name=name, name_key=key)
            session.add(tag)
            await session.flush()
        result[key] = tag
    return list(result.values())


async def find_staff_by_email(session: AsyncSession, studio_id: uuid.UUID, email: str) -> Membership | None:
    return await session.scalar(
        select(Membership)
        .join(Account, Account.id == Membership.account_id)
        .where(
            Account.email == email.strip().lower(),
            Membership.studio_id == studio_id,
            Membership.role.in_(("employee", "admin")),
            Membership.status == "active",
        )
    )
