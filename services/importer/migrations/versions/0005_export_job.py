"""The studio export: one row per export an admin started, its progress, and the finished ZIP (loaded only when
it is downloaded)."""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE export_job (
            id UUID PRIMARY KEY,
            studio_id UUID NOT NULL,
            created_by UUID NOT NULL,
            status VARCHAR(16) NOT NULL,
            datasets_total INTEGER NOT NULL DEFAULT 0,
            datasets_done INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL,
            completed_at TIMESTAMP WITH TIME ZONE,
            archive BYTEA,
            CONSTRAINT ck_export_job_status CHECK (status IN ('queued', 'running', 'completed', 'failed'))
        )
        """
    )
    op.execute("CREATE INDEX ix_export_job_studio_created ON export_job (studio_id, created_at)")


def downgrade() -> None:
    op.execute("DROP TABLE export_job")
