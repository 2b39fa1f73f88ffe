"""Response and request models of the notifications API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from gymloop_kit.http.dates import WallTime
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from gymloop_notifications.domain.notification import Notification


class NotificationOut(BaseModel):
    notification_id: uuid.UUID
    member_id: uuid.UUID
    assignee_id: uuid.UUID | None
    kind: str
    title: str
    due_date: date
    status: str
    snoozed_until: date | None
    details: dict[str, Any]
    created_at: datetime
    created_by: uuid.UUID | None
    done_at: datetime | None
    done_by: uuid.UUID | None

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        return cls(
            notification_id=n.notification_id,
            member_id=n.member_id,
            assignee_id=n.assignee_id,
            kind=n.kind.value,
            title=n.title,
            due_date=n.due_date,
            status=n.status.value,
            snoozed_until=n.snoozed_until,
            details=dict(n.details),
            created_at=n.created_at,
            created_by=n.created_by,
            done_at=n.done_at,
            done_by=n.done_by,
        )


TIME_ZONE_IS_THE_STUDIOS = (
    "the time zone is the studio's and is set in members, not here: PATCH /api/members/studios/current with "
    'e.g. {"timezone": "Europe/London"} (admins); notifications follows it. Leave time_zone out of this request'
)


class SettingsOut(BaseModel):
    time_zone: str = Field(description="The studio's IANA zone, from members (Europe/Amsterdam until it is known)")
    refresh_at: WallTime
    next_refresh_at: datetime
    notifications: dict[str, dict[str, Any]]


class SettingsIn(BaseModel):
    time_zone: Any = Field(
        default=None,
        description="Not accepted (422 time_zone_set_in_members): the studio's time zone is set in members "
        "(PATCH /api/members/studios/current) and followed from its StudioUpdated event",
        json_schema_extra={"deprecated": True},
    )
    refresh_at: WallTime | None = None
    notifications: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description='Partial update, e.g. {"absence": {"days": 21}}'
    )

    @field_validator("time_zone")
    @classmethod
    def _time_zone_is_set_in_members(cls, value: object) -> None:
        # Runs only when a client sends the field (null included): refuse it rather than ignore it silently.
        raise PydanticCustomError("time_zone_set_in_members", TIME_ZONE_IS_THE_STUDIOS)


class RefreshOut(BaseModel):
    today: date
    members_evaluated: int
    candidates: int
    created: int


class DeletedOut(BaseModel):
    deleted: int


class SnoozeIn(BaseModel):
    until: date


class CustomNotificationIn(BaseModel):
    text: str
    due_date: date
    assignee_id: uuid.UUID | None = None


class InfoPostIn(BaseModel):
    title: str
    body: str


class InfoPostOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    post_id: uuid.UUID
    title: str
    body: str
    published_at: datetime
    edited_at: datetime | None = Field(default=None, description="When staff last changed the post; null if never")


class AudienceIn(BaseModel):
    type: Literal["all", "booked_today", "tag", "plan_ends_this_month", "member"]
    tag: str | None = None
    member_id: uuid.UUID | None = None


class MessageIn(BaseModel):
    subject: str
    body: str
    channels: list[str] = Field(default_factory=lambda: ["in_app"])
    audience: AudienceIn


class DeliveryOut(BaseModel):
    member_id: uuid.UUID
    channel: str
    status: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    read_at: datetime | None


class MessageOut(BaseModel):
    message_id: uuid.UUID
    subject: str
    body: str
    channels: list[str]
    audience: dict[str, Any]
    created_at: datetime
    counts: dict[str, dict[str, int]]
    deliveries: list[DeliveryOut] | None = None


class InboxItemOut(BaseModel):
    message_id: uuid.UUID
    subject: str
    body: str
    sent_at: datetime
    read_at: datetime | None


class PreferencesIn(BaseModel):
    opted_out: list[str] = Field(description="Channels the member does not want messages on: in_app, email")


class PreferencesOut(BaseModel):
    opted_out: list[str]
