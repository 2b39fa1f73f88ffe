"""Initial schema of notifications: settings, rules, notifications, posts, messages, read models, and the
kit's delivery tables.

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
    """CREATE TABLE attendance (
        studio_id UUID NOT NULL,
        booking_id UUID NOT NULL,
        member_id UUID NOT NULL,
        attended_at TIMESTAMP WITH TIME ZONE NOT NULL,
        attended_on DATE NOT NULL,
        attended BOOLEAN NOT NULL,
        CONSTRAINT pk_attendance PRIMARY KEY (studio_id, booking_id)
    )""",
    "CREATE INDEX ix_attendance_member_day ON attendance (studio_id, member_id, attended_on) WHERE attended",
    """CREATE TABLE booking (
        studio_id UUID NOT NULL,
        booking_id UUID NOT NULL,
        member_id UUID NOT NULL,
        starts_on DATE NOT NULL,
        cancelled BOOLEAN DEFAULT false NOT NULL,
        CONSTRAINT pk_booking PRIMARY KEY (studio_id, booking_id)
    )""",
    "CREATE INDEX ix_booking_day ON booking (studio_id, starts_on)",
    """CREATE TABLE info_post (
        post_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        author_id UUID NOT NULL,
        published_at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_info_post PRIMARY KEY (post_id)
    )""",
    "CREATE INDEX ix_info_post_studio_id ON info_post (studio_id)",
    """CREATE TABLE member (
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        display_name TEXT DEFAULT '' NOT NULL,
        email TEXT,
        birth_date DATE,
        start_date DATE,
        is_member BOOLEAN DEFAULT true NOT NULL,
        archived BOOLEAN DEFAULT false NOT NULL,
        responsible_employee_id UUID,
        tags TEXT[] DEFAULT '{}' NOT NULL,
        opted_out TEXT[] DEFAULT '{}' NOT NULL,
        CONSTRAINT pk_member PRIMARY KEY (studio_id, member_id)
    )""",
    """CREATE TABLE message (
        message_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        audience JSONB NOT NULL,
        channels TEXT[] NOT NULL,
        created_by UUID NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_message PRIMARY KEY (message_id)
    )""",
    "CREATE INDEX ix_message_studio_id ON message (studio_id)",
    """CREATE TABLE message_delivery (
        message_id UUID NOT NULL,
        member_id UUID NOT NULL,
        channel TEXT NOT NULL,
        studio_id UUID NOT NULL,
        status TEXT NOT NULL,
        email TEXT,
        attempts INTEGER DEFAULT 0 NOT NULL,
        last_error TEXT,
        available_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        delivered_at TIMESTAMP WITH TIME ZONE,
        read_at TIMESTAMP WITH TIME ZONE,
        CONSTRAINT pk_message_delivery PRIMARY KEY (message_id, member_id, channel)
    )""",
    "CREATE INDEX ix_delivery_inbox ON message_delivery (studio_id, member_id, channel)",
    "CREATE INDEX ix_delivery_pending_email ON message_delivery (available_at) WHERE status = 'pending'",
    """CREATE TABLE notification (
        notification_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        assignee_id UUID,
        kind TEXT NOT NULL,
        dedupe_key TEXT,
        due_date DATE NOT NULL,
        title TEXT NOT NULL,
        details JSONB DEFAULT '{}'::jsonb NOT NULL,
        status TEXT DEFAULT 'open' NOT NULL,
        snoozed_until DATE,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        created_by UUID,
        done_at TIMESTAMP WITH TIME ZONE,
        done_by UUID,
        CONSTRAINT pk_notification PRIMARY KEY (notification_id)
    )""",
    "CREATE INDEX ix_notification_assignee ON notification (studio_id, assignee_id, status)",
    "CREATE INDEX ix_notification_member ON notification (studio_id, member_id)",
    "CREATE UNIQUE INDEX uq_notification_dedupe ON notification (studio_id, dedupe_key)",
    """CREATE TABLE studio_settings (
        studio_id UUID NOT NULL,
        time_zone TEXT NOT NULL,
        refresh_at TIME WITHOUT TIME ZONE DEFAULT '03:00' NOT NULL,
        settings JSONB DEFAULT '{}'::jsonb NOT NULL,
        next_refresh_at TIMESTAMP WITH TIME ZONE NOT NULL,
        last_refreshed_at TIMESTAMP WITH TIME ZONE,
        updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_studio_settings PRIMARY KEY (studio_id)
    )""",
    """CREATE TABLE subscription (
        studio_id UUID NOT NULL,
        subscription_id UUID NOT NULL,
        member_id UUID NOT NULL,
        ends_on DATE,
        CONSTRAINT pk_subscription PRIMARY KEY (studio_id, subscription_id)
    )""",
)


def upgrade() -> None:
    for statement in (*DELIVERY_TABLES, *SCHEMA):
        op.execute(statement)


# Downgrade drops each table before the tables its foreign keys point to.
DROPPED = (
    "subscription", "studio_settings", "notification", "message_delivery", "message", "member", "info_post",
    "booking", "attendance", "applied_sequence", "inbox", "outbox_sequence", "outbox",
)


def downgrade() -> None:
    for table in DROPPED:
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP FUNCTION gymloop_outbox_notify()")
