"""Bank return files (camt.054, pain.002): each file applied once per studio (kept by its SHA-256 with the report
it gave), a studio's return policy (an action per reason code over the defaults, how many times a returned amount
is collected again before the member is overdue, an optional return fee), and a mandate ended by a return."""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE studio_billing ADD COLUMN return_actions JSONB DEFAULT '{}'::jsonb NOT NULL")
    op.execute(
        "ALTER TABLE studio_billing ADD COLUMN max_recollections INTEGER DEFAULT 2 NOT NULL"
        " CONSTRAINT ck_studio_billing_max_recollections CHECK (max_recollections >= 0)"
    )
    op.execute(
        "ALTER TABLE studio_billing ADD COLUMN return_fee_cents INTEGER DEFAULT 0 NOT NULL"
        " CONSTRAINT ck_studio_billing_return_fee CHECK (return_fee_cents >= 0)"
    )
    op.execute("ALTER TABLE mandate ADD COLUMN ended_on DATE")
    op.execute("ALTER TABLE mandate ADD COLUMN ended_reason TEXT")
    op.execute(
        "CREATE TABLE bank_return_file ("
        " id UUID CONSTRAINT pk_bank_return_file PRIMARY KEY,"
        " studio_id UUID NOT NULL,"
        " payment_run_id UUID NOT NULL,"
        " kind TEXT NOT NULL,"
        " sha256 TEXT NOT NULL,"
        " uploaded_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,"
        " report JSONB NOT NULL,"
        " CONSTRAINT uq_bank_return_file_studio_id_sha256 UNIQUE (studio_id, sha256))"
    )


def downgrade() -> None:
    op.execute("DROP TABLE bank_return_file")
    op.execute("ALTER TABLE mandate DROP COLUMN ended_reason")
    op.execute("ALTER TABLE mandate DROP COLUMN ended_on")
    op.execute("ALTER TABLE studio_billing DROP COLUMN return_fee_cents")
    op.execute("ALTER TABLE studio_billing DROP COLUMN max_recollections")
    op.execute("ALTER TABLE studio_billing DROP COLUMN return_actions")
