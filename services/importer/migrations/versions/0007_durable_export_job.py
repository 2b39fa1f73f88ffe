"""The studio export as a durable job: its row is the queue. A worker claims it (heartbeat_at), the admin's access
token waits with it until it ran, and a finished ZIP is deleted after the retention time (status expired).

Exports queued or running before this revision had their task in a process that is gone: they are failed."""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE export_job SET status = 'failed', completed_at = now(),
            error = 'The importer restarted while this export ran, so it was stopped: start the export again.'
        WHERE status IN ('queued', 'running')
        """
    )
    op.execute(
        """
        ALTER TABLE export_job
            ADD COLUMN access_token TEXT,
            ADD COLUMN heartbeat_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN expired_at TIMESTAMP WITH TIME ZONE,
            DROP CONSTRAINT ck_export_job_status,
            ADD CONSTRAINT ck_export_job_status
                CHECK (status IN ('queued', 'running', 'completed', 'failed', 'expired'))
        """
    )
    op.execute("CREATE INDEX ix_export_job_waiting ON export_job (created_at) WHERE status IN ('queued', 'running')")


def downgrade() -> None:
    op.execute("DROP INDEX ix_export_job_waiting")
    op.execute("UPDATE export_job SET status = 'failed' WHERE status = 'expired'")
    op.execute(
        """
        ALTER TABLE export_job
            DROP COLUMN access_token,
            DROP COLUMN heartbeat_at,
            DROP COLUMN expired_at,
            DROP CONSTRAINT ck_export_job_status,
            ADD CONSTRAINT ck_export_job_status CHECK (status IN ('queued', 'running', 'completed', 'failed'))
        """
    )
