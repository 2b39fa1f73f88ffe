"""Validation as a job: the uploaded file is kept while it is validated, with the rows read and validated so far;
and a partial index of the pending rows of each job (completion asks after every answer whether one is left).

Existing imports were validated in their request: they keep no file and count no rows read (0)."""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE import_job
            ADD COLUMN upload BYTEA,
            ADD COLUMN rows_read INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN rows_validated INTEGER NOT NULL DEFAULT 0
        """
    )
    op.execute("CREATE INDEX ix_import_row_job_pending ON import_row (job_id) WHERE status = 'pending'")


def downgrade() -> None:
    op.execute("DROP INDEX ix_import_row_job_pending")
    op.execute("DELETE FROM import_job WHERE status = 'validating'")
    op.execute("ALTER TABLE import_job DROP COLUMN upload, DROP COLUMN rows_read, DROP COLUMN rows_validated")
