"""Validation claimed by the kit's job queue (as the studio export is): the worker's heartbeat on the import, and a
partial index of the imports still to validate. Imports validating now have no heartbeat: the first worker takes
them up."""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE import_job ADD COLUMN heartbeat_at TIMESTAMP WITH TIME ZONE")
    op.execute("CREATE INDEX ix_import_job_validating ON import_job (created_at) WHERE status = 'validating'")


def downgrade() -> None:
    op.execute("DROP INDEX ix_import_job_validating")
    op.execute("ALTER TABLE import_job DROP COLUMN heartbeat_at")
