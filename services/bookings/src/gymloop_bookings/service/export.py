"""What bookings contributes to the studio export: locations, session types, weekly schedules, sessions, bookings
with their attendance, waitlists, the credit ledger (each subscription's credits) and the user log."""

from __future__ import annotations

from gymloop_kit.export_data import Column, Dataset

from gymloop_bookings.db.models import (
    BookingRow,
    EntitlementRow,
    LocationRow,
    SessionRow,
    SessionTypeRow,
    UserLogRow,
    WaitlistEntryRow,
    WeeklyScheduleRow,
    WeeklySlotRow,
)

LOCATIONS = Dataset(
    name="locations",
    description="The studio's locations",
    studio_id=LocationRow.studio_id,
    order_by=(LocationRow.name, LocationRow.id),
    columns=(
        Column("location_id", LocationRow.id, "the location's id"),
        Column("name", LocationRow.name, "its name"),
        Column("description", LocationRow.description, "its description"),
    ),
)

SESSION_TYPES = Dataset(
    name="session_types",
    description="Kinds of sessions (classes)",
    studio_id=SessionTypeRow.studio_id,
    order_by=(SessionTypeRow.name, SessionTypeRow.id),
    columns=(
        Column("session_type_id", SessionTypeRow.id, "the type's id"),
        Column("name", SessionTypeRow.name, "its name"),
        Column("description", SessionTypeRow.description, "its description"),
    ),
)

WEEKLY_SLOTS = Dataset(
    name="weekly_schedule_slots",
    description="The weekly schedules, one row per weekly slot",
    studio_id=WeeklySlotRow.studio_id,
    order_by=(WeeklySlotRow.schedule_id, WeeklySlotRow.weekday, WeeklySlotRow.start_time, WeeklySlotRow.id),
    joined=lambda statement: statement.join(WeeklyScheduleRow, WeeklyScheduleRow.id == WeeklySlotRow.schedule_id),
    columns=(
        Column("slot_id", WeeklySlotRow.id, "the slot's id"),
        Column("schedule_id", WeeklyScheduleRow.id, "the weekly schedule"),
        Column("location_id", WeeklyScheduleRow.location_id, "its location"),
        Column("valid_from", WeeklyScheduleRow.valid_from, "first day the schedule applies (YYYY-MM-DD)"),
        Column("valid_until", WeeklyScheduleRow.valid_until, "last day it applies"),
        Column("weekday", WeeklySlotRow.weekday, "day of the week, 0 = Monday"),
        Column("start_time", WeeklySlotRow.start_time, "local start time (HH:MM:SS)"),
        Column("duration_min", WeeklySlotRow.duration_min, "length in minutes"),
        Column("session_type_id", WeeklySlotRow.session_type_id, "the kind of session"),
        Column("capacity", WeeklySlotRow.capacity, "places"),
        Column("coach_id", WeeklySlotRow.coach_id, "the coach (people.member_id)"),
    ),
)

SESSIONS = Dataset(
    name="sessions",
    description="Sessions in the agenda",
    studio_id=SessionRow.studio_id,
    order_by=(SessionRow.starts_at, SessionRow.id),
    columns=(
        Column("session_id", SessionRow.id, "the session's id"),
        Column("location_id", SessionRow.location_id, "where"),
        Column("session_type_id", SessionRow.session_type_id, "the kind of session"),
        Column("starts_at", SessionRow.starts_at, "start (ISO 8601, UTC)"),
        Column("ends_at", SessionRow.ends_at, "end (ISO 8601, UTC)"),
        Column("capacity", SessionRow.capacity, "places"),
        Column("coach_id", SessionRow.coach_id, "the coach (people.member_id)"),
        Column("description", SessionRow.description, "the session's own description"),
        Column("slot_id", SessionRow.slot_id, "the weekly slot it came from"),
        Column("status", SessionRow.status, "scheduled, held or cancelled"),
    ),
)

BOOKINGS = Dataset(
    name="bookings",
    description="Sign-ups to sessions and their attendance",
    studio_id=BookingRow.studio_id,
    order_by=(BookingRow.session_starts_at, BookingRow.id),
    columns=(
        Column("booking_id", BookingRow.id, "the booking's id"),
        Column("session_id", BookingRow.session_id, "the session"),
        Column("member_id", BookingRow.member_id, "the member"),
        Column("subscription_id", BookingRow.subscription_id, "the subscription it used"),
        Column("charged_credit", BookingRow.charged_credit, "true when it took a credit"),
        Column("session_starts_at", BookingRow.session_starts_at, "the session's start (ISO 8601, UTC)"),
        Column("status", BookingRow.status, "active, cancelled or late_cancelled"),
        Column("booked_at", BookingRow.booked_at, "when it was booked"),
        Column("booked_by_id", BookingRow.booked_by_id, "who booked it"),
        Column("booked_by_role", BookingRow.booked_by_role, "their role"),
        Column("cancelled_at", BookingRow.cancelled_at, "when it was cancelled"),
        Column("cancelled_by_id", BookingRow.cancelled_by_id, "who cancelled it"),
        Column("checked_in_at", BookingRow.checked_in_at, "attendance: when the member checked in"),
        Column("marked_present", BookingRow.marked_present, "attendance: marked present by staff"),
        Column("no_show", BookingRow.no_show, "attendance: did not come"),
    ),
)

WAITLIST = Dataset(
    name="waitlist_entries",
    description="Places on session waitlists",
    studio_id=WaitlistEntryRow.studio_id,
    order_by=(WaitlistEntryRow.joined_at, WaitlistEntryRow.id),
    columns=(
        Column("waitlist_entry_id", WaitlistEntryRow.id, "the entry's id"),
        Column("session_id", WaitlistEntryRow.session_id, "the session"),
        Column("member_id", WaitlistEntryRow.member_id, "the member"),
        Column("joined_at", WaitlistEntryRow.joined_at, "when the member joined the list"),
        Column("position", WaitlistEntryRow.position, "place in the list"),
        Column("status", WaitlistEntryRow.status, "waiting, promoted, skipped or left"),
        Column("skip_reason", WaitlistEntryRow.skip_reason, "why the member was passed over"),
        Column("booking_id", WaitlistEntryRow.booking_id, "the booking a promotion made"),
        Column("decided_at", WaitlistEntryRow.decided_at, "when that was decided"),
    ),
)

CREDIT_LEDGER = Dataset(
    name="credit_ledger",
    description="Each subscription's credits as bookings keeps them: granted, left, held, used",
    studio_id=EntitlementRow.studio_id,
    order_by=(EntitlementRow.member_id, EntitlementRow.subscription_id),
    columns=(
        Column("subscription_id", EntitlementRow.subscription_id, "the subscription (billing's)"),
        Column("member_id", EntitlementRow.member_id, "the member"),
        Column("kind", EntitlementRow.kind, "how it entitles"),
        Column("valid_from", EntitlementRow.valid_from, "first valid day (YYYY-MM-DD)"),
        Column("valid_until", EntitlementRow.valid_until, "last valid day"),
        Column("weekly_limit", EntitlementRow.weekly_limit, "sessions per week at most"),
        Column("ended_on", EntitlementRow.ended_on, "when it ended"),
        Column("granted", EntitlementRow.granted, "credits granted"),
        Column("credits_left", EntitlementRow.credits_left, "credits left"),
        Column("held", EntitlementRow.held, "credits held by upcoming bookings"),
        Column("forfeited", EntitlementRow.forfeited, "credits lost to late cancels and no-shows"),
        Column("attended", EntitlementRow.attended, "credits used by attended sessions"),
        Column("expired", EntitlementRow.expired, "credits expired unused"),
    ),
)

USER_LOG = Dataset(
    name="user_log",
    description="The membership user log: every credit move, with who and why",
    studio_id=UserLogRow.studio_id,
    order_by=(UserLogRow.seq,),
    columns=(
        Column("entry_id", UserLogRow.id, "the entry's id"),
        Column("member_id", UserLogRow.member_id, "the member"),
        Column("subscription_id", UserLogRow.subscription_id, "the subscription"),
        Column("at", UserLogRow.at, "when (ISO 8601, UTC)"),
        Column("actor_id", UserLogRow.actor_id, "who did it"),
        Column("actor_role", UserLogRow.actor_role, "their role"),
        Column("reason", UserLogRow.reason, "why the credits moved"),
        Column("change", UserLogRow.change, "credits added (+) or taken (-)"),
        Column("available_after", UserLogRow.available_after, "credits available afterwards"),
        Column("session_id", UserLogRow.session_id, "the session it concerns"),
        Column("booking_id", UserLogRow.booking_id, "the booking it concerns"),
    ),
)

DATASETS = (LOCATIONS, SESSION_TYPES, WEEKLY_SLOTS, SESSIONS, BOOKINGS, WAITLIST, CREDIT_LEDGER, USER_LOG)
