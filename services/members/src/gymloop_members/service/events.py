"""Full-state events: the member's (every change of the profile, tags, role or status) and the studio's (its
creation and every change of its name or time zone)."""

from __future__ import annotations

from typing import Literal, cast

from gymloop_contracts.events.common import Gender, ImportRef
from gymloop_contracts.events.members import MemberRegistered, MemberUpdated, StudioUpdated
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import Account, Membership, MemberTag, Studio, Tag
from gymloop_members.domain.roles import RoleName


async def tag_names(session: AsyncSession, membership: Membership) -> list[str]:
    rows = await session.scalars(
        select(Tag.name)
        .join(MemberTag, MemberTag.tag_id == Tag.id)
        .where(MemberTag.member_id == membership.id, MemberTag.studio_id == membership.studio_id)
        .order_by(Tag.name_key)
    )
    return list(rows)


async def _state(session: AsyncSession, membership: Membership) -> dict[str, object]:
    account = await session.get(Account, membership.account_id)
    assert account is not None
    return {
        "member_id": membership.id,
        "account_id": membership.account_id,
        "first_name": membership.first_name,
        "last_name": membership.last_name,
        "email": account.email,
        "phone": membership.phone,
        "birth_date": membership.birth_date,
        "gender": cast(Gender | None, membership.gender),
        "start_date": membership.start_date,
        "status": cast(Literal["active", "archived"], membership.status),
        "role": cast(RoleName, membership.role),
        "is_member": membership.is_member,
        "responsible_employee_id": membership.responsible_employee_id,
        "tags": await tag_names(session, membership),
    }


async def emit_registered(
    session: AsyncSession,
    membership: Membership,
    *,
    source: Literal["staff", "self", "import"],
    import_ref: ImportRef | None = None,
) -> None:
    state = await _state(session, membership)
    event = MemberRegistered(**state, source=source, import_ref=import_ref)
    await add_event(session, event, studio_id=membership.studio_id)


async def emit_updated(session: AsyncSession, membership: Membership, *, import_ref: ImportRef | None = None) -> None:
    state = await _state(session, membership)
    event = MemberUpdated(**state, import_ref=import_ref)
    await add_event(session, event, studio_id=membership.studio_id)


async def emit_studio_updated(session: AsyncSession, studio: Studio) -> None:
    """The studio's full state; billing, bookings and notifications follow its time zone for local days."""
    event = StudioUpdated(studio_id=studio.studio_id, name=studio.name, time_zone=studio.timezone)
    await add_event(session, event, studio_id=studio.studio_id)
