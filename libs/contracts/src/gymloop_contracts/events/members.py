"""Events owned by the members service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from gymloop_contracts.base import EventPayload
from gymloop_contracts.events.common import Gender, ImportRef, Role, _ImportRowRejected


class _MemberEvent(EventPayload):
    owner: ClassVar[str] = "members"
    aggregate_type: ClassVar[str] = "member"
    aggregate_field: ClassVar[str] = "member_id"
    key_field: ClassVar[str] = "member_id"


class _MemberProfile(_MemberEvent):
    """Full state of a member, so a consumer keeps a read model by taking the newest sequence."""

    member_id: uuid.UUID
    account_id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    birth_date: date | None = None
    gender: Gender | None = None
    start_date: date
    status: Literal["active", "archived"] = "active"
    role: Role = "member"
    is_member: bool = True
    responsible_employee_id: uuid.UUID | None = None
    tags: list[str] = []
    import_ref: ImportRef | None = None


class MemberRegistered(_MemberProfile):
    """A person joined a studio (as a member and/or employee), created by staff, by sign-up or by an import."""

    event_type: ClassVar[str] = "MemberRegistered"
    source: Literal["staff", "self", "import"] = "staff"


class MemberUpdated(_MemberProfile):
    """A member's profile, tags or role changed; carries the full new state."""

    event_type: ClassVar[str] = "MemberUpdated"


class ResponsibleEmployeeAssigned(_MemberEvent):
    """The employee responsible for a member changed (None: unassigned)."""

    member_id: uuid.UUID
    employee_id: uuid.UUID | None
    previous_employee_id: uuid.UUID | None = None


class MemberArchived(_MemberEvent):
    """A member was archived: no bookings, no notifications, no collection."""

    member_id: uuid.UUID
    reason: str | None = None


class MemberUnarchived(_MemberEvent):
    """An archived member became active again."""

    member_id: uuid.UUID


class MemberImportRejected(_ImportRowRejected):
    """Members refused to create or overwrite the person of an import row (e.g. the e-mail now belongs to
    someone who may not be overwritten); the importer marks the row failed with this reason."""

    owner: ClassVar[str] = "members"


class StudioUpdated(EventPayload):
    """A studio was created or its name or time zone changed; carries its full state. Services that reason
    in the studio's local day (billing's scheduler, bookings' agenda, notifications' rules) follow it."""

    owner: ClassVar[str] = "members"
    aggregate_type: ClassVar[str] = "studio"
    aggregate_field: ClassVar[str] = "studio_id"
    key_field: ClassVar[str] = "studio_id"

    studio_id: uuid.UUID
    name: str
    time_zone: str
