"""The notifications database: settings, notifications, messages, and read models fed by events."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from gymloop_kit.db import make_metadata
from gymloop_kit.mail.table import define_mail_outbox
from sqlalchemy import ARRAY, Boolean, Date, DateTime, Index, Integer, Text, Time, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    # The kit's naming convention on this service's own metadata (a class statement, so mypy sees a type).
    metadata = make_metadata()


class StudioSettings(Base):
    """One row per studio known to this service; also the nightly schedule's state. The studio's time zone is the
    kit's studio clock's (its studio_zone table)."""

    __tablename__ = "studio_settings"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    refresh_at: Mapped[time] = mapped_column(Time, server_default=text("'03:00'"))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    next_refresh_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Member(Base):
    """Read model of members (from the members service) plus the member's own opt-outs."""

    __tablename__ = "member"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(Text, server_default="")
    email: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    is_member: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    archived: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    responsible_employee_id: Mapped[uuid.UUID | None] = mapped_column()
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    opted_out: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))


class Attendance(Base):
    """Read model of attendance (from bookings); attended_on is the day in the studio's time zone."""

    __tablename__ = "attendance"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    booking_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column()
    attended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attended_on: Mapped[date] = mapped_column(Date)
    attended: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (
        Index("ix_attendance_member_day", "studio_id", "member_id", "attended_on", postgresql_where=text("attended")),
    )


class AttendanceDay(Base):
    """Visits per member and local day, kept with every attendance change (service.attendance_summary): the
    trend windows are summed from these rows, never from the raw attendance of a whole studio."""

    __tablename__ = "attendance_day"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # Day before member: a refresh reads one range of days for the whole studio.
    attended_on: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    visits: Mapped[int] = mapped_column(Integer)


class AttendanceMember(Base):
    """Each member's last attended day, kept with every attendance change like AttendanceDay."""

    __tablename__ = "attendance_member"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    last_attended_on: Mapped[date] = mapped_column(Date)


class RefreshJob(Base):
    """An on-demand refresh: asked for by staff (202), run by the refresh worker, its progress readable."""

    __tablename__ = "refresh_job"
    job_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    requested_by: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(Text)  # queued, running, succeeded, failed
    members_total: Mapped[int | None] = mapped_column(Integer)
    members_evaluated: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    candidates: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    today: Mapped[date | None] = mapped_column(Date)
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    progress_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # a running job's last sign of life
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_refresh_job_queued", "requested_at", postgresql_where=text("status = 'queued'")),
        Index("ix_refresh_job_studio", "studio_id", "requested_at"),
    )


class Booking(Base):
    """Read model of sign-ups (from bookings), for "everyone booked today"."""

    __tablename__ = "booking"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    booking_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column()
    starts_on: Mapped[date] = mapped_column(Date)
    cancelled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    __table_args__ = (Index("ix_booking_day", "studio_id", "starts_on"),)


class Subscription(Base):
    """Read model of subscriptions (from billing), for "everyone whose plan ends this month"."""

    __tablename__ = "subscription"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column()
    ends_on: Mapped[date | None] = mapped_column(Date)


class Notification(Base):
    __tablename__ = "notification"
    notification_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    member_id: Mapped[uuid.UUID] = mapped_column()
    assignee_id: Mapped[uuid.UUID | None] = mapped_column()
    kind: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(Text, server_default="open")
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[uuid.UUID | None] = mapped_column()
    __table_args__ = (
        # The database enforces the dedupe rule too: the nightly refresh and an attendance event may race.
        Index("uq_notification_dedupe", "studio_id", "dedupe_key", unique=True),
        Index("ix_notification_assignee", "studio_id", "assignee_id", "status"),
        Index("ix_notification_member", "studio_id", "member_id"),
    )


class InfoPost(Base):
    __tablename__ = "info_post"
    post_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID] = mapped_column()
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Message(Base):
    __tablename__ = "message"
    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[dict[str, Any]] = mapped_column(JSONB)
    channels: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_by: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MessageDelivery(Base):
    """One row per (message, member, channel): the delivery status staff see per recipient."""

    __tablename__ = "message_delivery"
    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(Text, primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(Text)  # pending, delivered, sent, failed, opted_out, unreachable
    email: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_delivery_pending_email", "available_at", postgresql_where=text("status = 'pending'")),
        Index("ix_delivery_inbox", "studio_id", "member_id", "channel"),
    )


# Message e-mails wait here for the kit's mail sender (the shape is the kit's: gymloop_kit.mail).
mail_outbox = define_mail_outbox(Base.metadata)
