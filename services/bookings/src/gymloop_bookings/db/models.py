"""Tables of the bookings database. Every table carries studio_id and every query filters on it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from gymloop_kit.db import make_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    Numeric,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    # The kit's naming convention on the service's own metadata (a class statement, so mypy sees a type).
    metadata = make_metadata()


class StudioSettingsRow(Base):
    """The studio's booking policy, set by its admins (PUT /settings). The time zone and name are not here:
    they are the studio's, owned by members (the kit's studio_zone table and StudioNameRow), so a policy row
    exists with or without them."""

    __tablename__ = "studio_settings"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    booking_window_min: Mapped[int] = mapped_column(Integer)
    cancellation_cutoff_min: Mapped[int] = mapped_column(Integer)
    late_cancel_forfeits: Mapped[bool] = mapped_column(Boolean)
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean)
    waitlist_cutoff_min: Mapped[int] = mapped_column(Integer)
    uses_check_in: Mapped[bool] = mapped_column(Boolean)
    staff_may_book_beyond_window: Mapped[bool] = mapped_column(Boolean)


class StudioNameRow(Base):
    """Read model of the studio's name, followed from members' StudioUpdated (newest sequence wins, like its
    time zone in the kit's studio_zone table). No row yet: the studio is called repository.DEFAULT_STUDIO_NAME."""

    __tablename__ = "studio_name"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)


class LocationRow(Base):
    __tablename__ = "location"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class SessionTypeRow(Base):
    __tablename__ = "session_type"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class DayDescriptionRow(Base):
    """Daily programming: a session type's description for one local day."""

    __tablename__ = "day_description"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    session_type_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    description: Mapped[str] = mapped_column(Text)


class WeeklyScheduleRow(Base):
    __tablename__ = "weekly_schedule"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    location_id: Mapped[uuid.UUID] = mapped_column()
    # The local days sessions are generated for, both inclusive; None: open-ended on that side.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)


class WeeklySlotRow(Base):
    __tablename__ = "weekly_slot"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    schedule_id: Mapped[uuid.UUID] = mapped_column(index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    duration_min: Mapped[int] = mapped_column(Integer)
    session_type_id: Mapped[uuid.UUID] = mapped_column()
    capacity: Mapped[int] = mapped_column(Integer)
    coach_id: Mapped[uuid.UUID | None] = mapped_column()


class SessionRow(Base):
    __tablename__ = "session"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    location_id: Mapped[uuid.UUID] = mapped_column()
    session_type_id: Mapped[uuid.UUID] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(Integer)
    coach_id: Mapped[uuid.UUID | None] = mapped_column()
    description: Mapped[str | None] = mapped_column(Text)
    slot_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(Text)
    # When staff last moved it (time, coach or location); members booked before may sign out without penalty.
    moved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_session_studio_start", "studio_id", "starts_at"),
        Index("ix_session_due", "ends_at", postgresql_where=text("status = 'scheduled'")),
    )


class MemberRow(Base):
    """The member's lock row (serialises credit moves) and the profile bits bookings shows (from members)."""

    __tablename__ = "member"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONB, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # member, employee or admin (members' events); None for people projected before 0018 kept it
    role: Mapped[str | None] = mapped_column(Text)
    # Groups benchmark leaderboards; None while the member's profile does not say it.
    gender: Mapped[str | None] = mapped_column(Text)
    # Staff act under their account id: the user log names them through it (0015).
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    __table_args__ = (Index("ix_member_studio_id_account_id", "studio_id", "account_id"),)


class EntitlementRow(Base):
    __tablename__ = "entitlement"
    subscription_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    member_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    weekly_limit: Mapped[int | None] = mapped_column(Integer)
    paused_periods: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    ended_on: Mapped[date | None] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer)
    granted: Mapped[int] = mapped_column(Integer, default=0)
    credits_left: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    forfeited: Mapped[int] = mapped_column(Integer, default=0)
    attended: Mapped[int] = mapped_column(Integer, default=0)
    expired: Mapped[int] = mapped_column(Integer, default=0)
    # How billing's events merged so far (see messaging/billing_facts.py).
    billing_state: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # 0014: the end date the member was reminded of (pack expiring with credits left)
    expiry_reminded_for: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (Index("ix_entitlement_member", "studio_id", "member_id"),)


class BookingRow(Base):
    __tablename__ = "booking"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    session_id: Mapped[uuid.UUID] = mapped_column(index=True)
    member_id: Mapped[uuid.UUID] = mapped_column()
    subscription_id: Mapped[uuid.UUID] = mapped_column()
    charged_credit: Mapped[bool] = mapped_column(Boolean)
    session_starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    session_ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    session_local_date: Mapped[date] = mapped_column(Date)
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    booked_by_id: Mapped[uuid.UUID] = mapped_column()
    booked_by_role: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by_id: Mapped[uuid.UUID | None] = mapped_column()
    cancelled_by_role: Mapped[str | None] = mapped_column(Text)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    marked_present: Mapped[bool] = mapped_column(Boolean, default=False)
    no_show: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        Index("ix_booking_member", "studio_id", "member_id", "session_starts_at"),
        # The database itself refuses a second active booking of one member for one session.
        Index(
            "uq_booking_active_member_session",
            "session_id",
            "member_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
    )


class WaitlistEntryRow(Base):
    __tablename__ = "waitlist_entry"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    session_id: Mapped[uuid.UUID] = mapped_column(index=True)
    member_id: Mapped[uuid.UUID] = mapped_column()
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    position: Mapped[int] = mapped_column(Integer)
    added_by_id: Mapped[uuid.UUID] = mapped_column()
    added_by_role: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    skip_code: Mapped[str | None] = mapped_column(Text)
    skip_reason: Mapped[str | None] = mapped_column(Text)
    booking_id: Mapped[uuid.UUID | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserLogRow(Base):
    __tablename__ = "user_log"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    member_id: Mapped[uuid.UUID] = mapped_column()
    subscription_id: Mapped[uuid.UUID] = mapped_column()
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Insertion order: entries written in one transaction share `at`.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    actor_id: Mapped[uuid.UUID] = mapped_column()
    actor_role: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    change: Mapped[int] = mapped_column(Integer)
    available_after: Mapped[int | None] = mapped_column(Integer)
    session_id: Mapped[uuid.UUID | None] = mapped_column()
    booking_id: Mapped[uuid.UUID | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)  # 0009: staff's reason for an exception
    __table_args__ = (Index("ix_user_log_member", "studio_id", "member_id", "seq"),)


class MemberPaymentStandingRow(Base):
    """Read model of a member's payment state in a studio, followed from billing's MemberPaymentStateChanged
    (newest sequence wins). No row: billing never reported trouble, the member is ok (0009)."""

    __tablename__ = "member_payment_standing"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    overdue: Mapped[bool] = mapped_column(Boolean)


class StudioOverdueRuleRow(Base):
    """Read model of billing's studio setting `overdue_members_may_book`, followed from BillingSettingsChanged
    (newest sequence wins). No row: billing's default, overdue members may not book (0009)."""

    __tablename__ = "studio_overdue_rule"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    overdue_members_may_book: Mapped[bool] = mapped_column(Boolean)


class CalendarFeedRow(Base):
    """A member's secret iCalendar feed address: calendar apps fetch it without a bearer token, so the token in the
    URL is the credential. Only its sha256 is kept; rotating replaces it, revoking deletes the row."""

    __tablename__ = "calendar_feed"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BenchmarkWorkoutRow(Base):
    """A studio's benchmark workout ("Fran") and how its results are scored."""

    __tablename__ = "benchmark_workout"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    scoring: Mapped[str] = mapped_column(Text)
    lower_is_better: Mapped[bool] = mapped_column(Boolean)
    reps_per_round: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("studio_id", "name"),)


class BenchmarkProgrammingRow(Base):
    """A benchmark programmed on a session type for one local day: its sessions that day take results."""

    __tablename__ = "benchmark_programming"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    session_type_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workout_id: Mapped[uuid.UUID] = mapped_column(index=True)


class BenchmarkResultRow(Base):
    """A member's result for a benchmark in a session they attended: as entered, and as its canonical score."""

    __tablename__ = "benchmark_result"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column()
    workout_id: Mapped[uuid.UUID] = mapped_column()
    member_id: Mapped[uuid.UUID] = mapped_column()
    session_id: Mapped[uuid.UUID] = mapped_column()
    value: Mapped[Decimal] = mapped_column(Numeric)
    unit: Mapped[str] = mapped_column(Text)
    rounds: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[Decimal] = mapped_column(Numeric)
    scaling: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("session_id", "member_id", "workout_id"),
        Index("ix_benchmark_result_workout", "studio_id", "workout_id", "scaling", "score"),
        Index("ix_benchmark_result_member", "studio_id", "member_id", "workout_id"),
        Index("ix_benchmark_result_recorded", "studio_id", "recorded_at"),
    )


class BenchmarkRankingOptOutRow(Base):
    """A member who asked not to appear on leaderboards (their history and personal bests stay theirs)."""

    __tablename__ = "benchmark_ranking_opt_out"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
