"""Recipient selection for group messages, respecting each member's per-channel opt-outs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import UUID

from gymloop_notifications.domain.errors import DomainError


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class AudienceMember:
    """A member as message targeting sees them; dates are local to the studio."""

    studio_id: UUID
    member_id: UUID
    archived: bool = False
    tags: frozenset[str] = frozenset()
    booked_dates: frozenset[date] = frozenset()
    plan_ends_on: date | None = None
    email: str | None = None
    opted_out: frozenset[Channel] = frozenset()


@dataclass(frozen=True, slots=True)
class AllMembers:
    pass


@dataclass(frozen=True, slots=True)
class BookedToday:
    pass


@dataclass(frozen=True, slots=True)
class WithTag:
    tag: str

    def __post_init__(self) -> None:
        if not self.tag.strip():
            raise DomainError(code="tag_empty", field="tag", message="name the tag whose members get the message")


@dataclass(frozen=True, slots=True)
class PlanEndsThisMonth:
    pass


@dataclass(frozen=True, slots=True)
class SingleMember:
    member_id: UUID


@dataclass(frozen=True, slots=True)
class NamedMembers:
    """The members an event names (e.g. those booked on a moved session); unknown ones are simply not reached."""

    member_ids: frozenset[UUID]


Audience = AllMembers | BookedToday | WithTag | PlanEndsThisMonth | SingleMember | NamedMembers


@dataclass(frozen=True, slots=True)
class RecipientSelection:
    recipients: tuple[UUID, ...]
    opted_out: tuple[UUID, ...] = field(default=())
    unreachable: tuple[UUID, ...] = field(default=())  # e-mail channel, but no address on file


def _in_audience(audience: Audience, member: AudienceMember, today: date) -> bool:
    match audience:
        case AllMembers():
            return True
        case BookedToday():
            return today in member.booked_dates
        case WithTag(tag=tag):
            wanted = tag.strip().casefold()
            return any(t.strip().casefold() == wanted for t in member.tags)
        case PlanEndsThisMonth():
            ends = member.plan_ends_on
            return ends is not None and (ends.year, ends.month) == (today.year, today.month)
        case SingleMember(member_id=member_id):
            return member.member_id == member_id
        case NamedMembers(member_ids=member_ids):
            return member.member_id in member_ids
    raise AssertionError(f"unknown audience {audience!r}")  # pragma: no cover


def select_recipients(
    audience: Audience,
    members: Iterable[AudienceMember],
    *,
    studio_id: UUID,
    channel: Channel,
    today: date,
    required: bool = False,
) -> RecipientSelection:
    """Members of this studio in the audience; archived members never, opted-out ones reported apart.
    `required`: a message the member must get whatever their opt-outs (a cancellation receipt)."""
    recipients: list[UUID] = []
    opted_out: list[UUID] = []
    unreachable: list[UUID] = []
    seen: set[UUID] = set()
    for member in members:
        if member.studio_id != studio_id or member.archived or member.member_id in seen:
            continue
        if not _in_audience(audience, member, today):
            continue
        seen.add(member.member_id)
        if channel in member.opted_out and not required:
            opted_out.append(member.member_id)
        elif channel is Channel.EMAIL and not member.email:
            unreachable.append(member.member_id)
        else:
            recipients.append(member.member_id)
    if isinstance(audience, SingleMember) and not seen:
        raise DomainError(
            code="member_not_found",
            field="member_id",
            message=(f"member {audience.member_id} is not an active member of this studio: pick another member"),
        )
    return RecipientSelection(recipients=tuple(recipients), opted_out=tuple(opted_out), unreachable=tuple(unreachable))
