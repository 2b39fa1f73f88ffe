"""Initial schema of importer: import jobs and rows, plan/member/collection read models, and the kit's
delivery tables.

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
    """CREATE TABLE import_job (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        created_by UUID NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        file_name TEXT,
        status VARCHAR(16) NOT NULL,
        fingerprint VARCHAR(64),
        same_as_job_id UUID,
        rows_total INTEGER NOT NULL,
        validated JSONB NOT NULL,
        errors JSONB NOT NULL,
        completed_at TIMESTAMP WITH TIME ZONE,
        CONSTRAINT pk_import_job PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_import_job_studio_id ON import_job (studio_id)",
    "CREATE INDEX ix_import_job_studio_fingerprint ON import_job (studio_id, fingerprint)",
    """CREATE TABLE member_view (
        member_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        phone TEXT,
        birth_date DATE,
        start_date DATE NOT NULL,
        role VARCHAR(16) NOT NULL,
        status VARCHAR(16) NOT NULL,
        responsible_employee_id UUID,
        tags JSONB NOT NULL,
        CONSTRAINT pk_member_view PRIMARY KEY (member_id)
    )""",
    "CREATE INDEX ix_member_view_studio_id ON member_view (studio_id)",
    "CREATE INDEX ix_member_view_studio_email ON member_view (studio_id, email_key)",
    """CREATE TABLE plan_view (
        plan_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        name TEXT NOT NULL,
        kind VARCHAR(16) NOT NULL,
        price_cents INTEGER NOT NULL,
        visible BOOLEAN NOT NULL,
        active BOOLEAN NOT NULL,
        CONSTRAINT pk_plan_view PRIMARY KEY (plan_id)
    )""",
    "CREATE INDEX ix_plan_view_studio_id ON plan_view (studio_id)",
    """CREATE TABLE studio_collection (
        studio_id UUID NOT NULL,
        collection_method VARCHAR(16) NOT NULL,
        source VARCHAR(16) NOT NULL,
        CONSTRAINT pk_studio_collection PRIMARY KEY (studio_id)
    )""",
    """CREATE TABLE import_row (
        row_id TEXT NOT NULL,
        job_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        row_number INTEGER NOT NULL,
        email TEXT NOT NULL,
        full_name TEXT NOT NULL,
        plan_name TEXT,
        subscription_start DATE,
        member_outcome VARCHAR(16),
        member_id UUID,
        subscription_done BOOLEAN NOT NULL,
        CONSTRAINT pk_import_row PRIMARY KEY (row_id),
        CONSTRAINT fk_import_row_job_id_import_job FOREIGN KEY (job_id) REFERENCES import_job (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_import_row_studio_id ON import_row (studio_id)",
    "CREATE INDEX ix_import_row_job_id ON import_row (job_id)",
)


def upgrade() -> None:
    for statement in (*DELIVERY_TABLES, *SCHEMA):
        op.execute(statement)


# Downgrade drops each table before the tables its foreign keys point to.
DROPPED = (
    "import_row", "studio_collection", "plan_view", "member_view", "import_job", "applied_sequence", "inbox",
    "outbox_sequence", "outbox",
)


def downgrade() -> None:
    for table in DROPPED:
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP FUNCTION gymloop_outbox_notify()")
