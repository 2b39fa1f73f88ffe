"""Initial schema of importer: import jobs and rows, plan/member/collection read models.

Written out as the schema was at 0001 (it used to be models.py's create_all): later revisions change
these tables, so 0001 must not follow models.py any more.
"""

from alembic import op
from gymloop_kit.migrations import create_delivery_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

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
    create_delivery_tables(op.get_bind())  # outbox, outbox_sequence, inbox, applied_sequence
    for statement in SCHEMA:
        op.execute(statement)


def downgrade() -> None:
    for table in ("import_row", "studio_collection", "plan_view", "member_view", "import_job"):
        op.execute(f"DROP TABLE {table}")
