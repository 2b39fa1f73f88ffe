"""Retention of the delivery tables (the kit's messaging.retention): the inbox is purged by age, so it gets an
index on `received_at`; an aggregate's applied sequence is purged once its consumer has applied nothing of it for
the retention time, so each row remembers when it was last applied (existing rows: now)."""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE applied_sequence ADD COLUMN applied_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL")
    op.execute("CREATE INDEX ix_inbox_received_at ON inbox (received_at)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_inbox_received_at")
    op.execute("ALTER TABLE applied_sequence DROP COLUMN applied_at")
