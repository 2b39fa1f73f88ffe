"""Initial schema of bookings: locations, session types, schedules, sessions, sign-ups, waitlists, credits,
attendance, read models, and the kit's delivery tables.

Written out as plain DDL, as it was when it was frozen: a revision that has run must never change, so it imports no
models and no kit tables. A schema change is a new revision after the last one."""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The kit's outbox (with the trigger that wakes the relay on commit), outbox_sequence, inbox and applied_sequence.
DELIVERY_TABLES = (
    """CREATE TABLE outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY,
        event_id UUID NOT NULL,
        topic TEXT NOT NULL,
        partition_key TEXT NOT NULL,
        envelope JSONB NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        available_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        attempts INTEGER DEFAULT 0 NOT NULL,
        last_error TEXT,
        published_at TIMESTAMP WITH TIME ZONE,
        CONSTRAINT pk_outbox PRIMARY KEY (id),
        CONSTRAINT uq_outbox_event_id UNIQUE (event_id)
    )""",
    "CREATE INDEX ix_outbox_pending ON outbox (available_at, id) WHERE published_at IS NULL",
    (
        "CREATE OR REPLACE FUNCTION gymloop_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM pg_notify('gymloop_outbox', ''); RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION "
        "gymloop_outbox_notify()"
    ),
    """CREATE TABLE outbox_sequence (
        aggregate_type TEXT NOT NULL,
        aggregate_id TEXT NOT NULL,
        last_sequence BIGINT NOT NULL,
        CONSTRAINT pk_outbox_sequence PRIMARY KEY (aggregate_type, aggregate_id)
    )""",
    """CREATE TABLE inbox (
        consumer TEXT NOT NULL,
        event_id UUID NOT NULL,
        event_type TEXT NOT NULL,
        received_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_inbox PRIMARY KEY (consumer, event_id)
    )""",
    """CREATE TABLE applied_sequence (
        consumer TEXT NOT NULL,
        aggregate_type TEXT NOT NULL,
        aggregate_id TEXT NOT NULL,
        sequence BIGINT NOT NULL,
        CONSTRAINT pk_applied_sequence PRIMARY KEY (consumer, aggregate_type, aggregate_id)
    )""",
)

SCHEMA = (
    """CREATE TABLE booking (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        session_id UUID NOT NULL,
        member_id UUID NOT NULL,
        subscription_id UUID NOT NULL,
        charged_credit BOOLEAN NOT NULL,
        session_starts_at TIMESTAMP WITH TIME ZONE NOT NULL,
        session_ends_at TIMESTAMP WITH TIME ZONE NOT NULL,
        session_local_date DATE NOT NULL,
        booked_at TIMESTAMP WITH TIME ZONE NOT NULL,
        booked_by_id UUID NOT NULL,
        booked_by_role TEXT NOT NULL,
        status TEXT NOT NULL,
        cancelled_at TIMESTAMP WITH TIME ZONE,
        cancelled_by_id UUID,
        cancelled_by_role TEXT,
        checked_in_at TIMESTAMP WITH TIME ZONE,
        marked_present BOOLEAN NOT NULL,
        no_show BOOLEAN NOT NULL,
        CONSTRAINT pk_booking PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_booking_member ON booking (studio_id, member_id, session_starts_at)",
    "CREATE INDEX ix_booking_session_id ON booking (session_id)",
    (
        "CREATE UNIQUE INDEX uq_booking_active_member_session ON booking (session_id, member_id) WHERE status"
        " = 'active'"
    ),
    """CREATE TABLE day_description (
        studio_id UUID NOT NULL,
        session_type_id UUID NOT NULL,
        day DATE NOT NULL,
        description TEXT NOT NULL,
        CONSTRAINT pk_day_description PRIMARY KEY (studio_id, session_type_id, day)
    )""",
    """CREATE TABLE entitlement (
        subscription_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        kind TEXT NOT NULL,
        valid_from DATE NOT NULL,
        valid_until DATE,
        weekly_limit INTEGER,
        paused_periods JSONB NOT NULL,
        ended_on DATE,
        sequence INTEGER NOT NULL,
        granted INTEGER NOT NULL,
        credits_left INTEGER NOT NULL,
        held INTEGER NOT NULL,
        forfeited INTEGER NOT NULL,
        attended INTEGER NOT NULL,
        expired INTEGER NOT NULL,
        billing_state JSONB NOT NULL,
        CONSTRAINT pk_entitlement PRIMARY KEY (subscription_id)
    )""",
    "CREATE INDEX ix_entitlement_member ON entitlement (studio_id, member_id)",
    """CREATE TABLE location (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        name TEXT NOT NULL,
        CONSTRAINT pk_location PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_location_studio_id ON location (studio_id)",
    """CREATE TABLE member (
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        first_name TEXT,
        last_name TEXT,
        tags JSONB NOT NULL,
        archived BOOLEAN NOT NULL,
        CONSTRAINT pk_member PRIMARY KEY (studio_id, member_id)
    )""",
    """CREATE TABLE session (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        location_id UUID NOT NULL,
        session_type_id UUID NOT NULL,
        starts_at TIMESTAMP WITH TIME ZONE NOT NULL,
        ends_at TIMESTAMP WITH TIME ZONE NOT NULL,
        capacity INTEGER NOT NULL,
        coach_id UUID,
        description TEXT,
        slot_id UUID,
        status TEXT NOT NULL,
        CONSTRAINT pk_session PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_session_due ON session (ends_at) WHERE status = 'scheduled'",
    "CREATE INDEX ix_session_studio_start ON session (studio_id, starts_at)",
    """CREATE TABLE session_type (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        CONSTRAINT pk_session_type PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_session_type_studio_id ON session_type (studio_id)",
    """CREATE TABLE studio_settings (
        studio_id UUID NOT NULL,
        booking_window_min INTEGER NOT NULL,
        cancellation_cutoff_min INTEGER NOT NULL,
        late_cancel_forfeits BOOLEAN NOT NULL,
        waitlist_enabled BOOLEAN NOT NULL,
        waitlist_cutoff_min INTEGER NOT NULL,
        uses_check_in BOOLEAN NOT NULL,
        staff_may_book_beyond_window BOOLEAN NOT NULL,
        CONSTRAINT pk_studio_settings PRIMARY KEY (studio_id)
    )""",
    """CREATE TABLE user_log (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        subscription_id UUID NOT NULL,
        at TIMESTAMP WITH TIME ZONE NOT NULL,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        actor_id UUID NOT NULL,
        actor_role TEXT NOT NULL,
        reason TEXT NOT NULL,
        change INTEGER NOT NULL,
        available_after INTEGER,
        session_id UUID,
        booking_id UUID,
        CONSTRAINT pk_user_log PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_user_log_member ON user_log (studio_id, member_id, seq)",
    """CREATE TABLE waitlist_entry (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        session_id UUID NOT NULL,
        member_id UUID NOT NULL,
        joined_at TIMESTAMP WITH TIME ZONE NOT NULL,
        position INTEGER NOT NULL,
        added_by_id UUID NOT NULL,
        added_by_role TEXT NOT NULL,
        status TEXT NOT NULL,
        skip_code TEXT,
        skip_reason TEXT,
        booking_id UUID,
        decided_at TIMESTAMP WITH TIME ZONE,
        CONSTRAINT pk_waitlist_entry PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_waitlist_entry_session_id ON waitlist_entry (session_id)",
    """CREATE TABLE weekly_schedule (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        location_id UUID NOT NULL,
        CONSTRAINT pk_weekly_schedule PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_weekly_schedule_studio_id ON weekly_schedule (studio_id)",
    """CREATE TABLE weekly_slot (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        schedule_id UUID NOT NULL,
        weekday INTEGER NOT NULL,
        start_time TIME WITHOUT TIME ZONE NOT NULL,
        duration_min INTEGER NOT NULL,
        session_type_id UUID NOT NULL,
        capacity INTEGER NOT NULL,
        coach_id UUID,
        CONSTRAINT pk_weekly_slot PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_weekly_slot_schedule_id ON weekly_slot (schedule_id)",
    "CREATE INDEX ix_weekly_slot_studio_id ON weekly_slot (studio_id)",
)


def upgrade() -> None:
    for statement in (*DELIVERY_TABLES, *SCHEMA):
        op.execute(statement)


# Downgrade drops each table before the tables its foreign keys point to.
DROPPED = (
    "weekly_slot", "weekly_schedule", "waitlist_entry", "user_log", "studio_settings", "session_type",
    "session", "member", "location", "entitlement", "day_description", "booking", "applied_sequence", "inbox",
    "outbox_sequence", "outbox",
)


def downgrade() -> None:
    for table in DROPPED:
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP FUNCTION gymloop_outbox_notify()")
