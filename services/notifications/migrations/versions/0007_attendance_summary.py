"""Attendance summaries and refresh jobs.

- `attendance_day` (visits per member and local day) and `attendance_member` (each member's last attended day)
  are kept with every attendance change, so a studio refresh sums a few weeks of days instead of scanning every
  attendance row; filled here from the attendance already stored.
- `refresh_job`: an on-demand refresh is asked for with 202 and runs in the background; staff read its progress.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE attendance_day (
            studio_id UUID NOT NULL,
            attended_on DATE NOT NULL,
            member_id UUID NOT NULL,
            visits INTEGER NOT NULL,
            CONSTRAINT pk_attendance_day PRIMARY KEY (studio_id, attended_on, member_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE attendance_member (
            studio_id UUID NOT NULL,
            member_id UUID NOT NULL,
            last_attended_on DATE NOT NULL,
            CONSTRAINT pk_attendance_member PRIMARY KEY (studio_id, member_id)
        )
        """
    )
    op.execute(
        """
        INSERT INTO attendance_day (studio_id, attended_on, member_id, visits)
        SELECT studio_id, attended_on, member_id, count(*) FROM attendance WHERE attended
        GROUP BY studio_id, attended_on, member_id
        """
    )
    op.execute(
        """
        INSERT INTO attendance_member (studio_id, member_id, last_attended_on)
        SELECT studio_id, member_id, max(attended_on) FROM attendance WHERE attended
        GROUP BY studio_id, member_id
        """
    )
    op.execute(
        """
        CREATE TABLE refresh_job (
            job_id UUID NOT NULL,
            studio_id UUID NOT NULL,
            requested_by UUID NOT NULL,
            status TEXT NOT NULL,
            members_total INTEGER,
            members_evaluated INTEGER DEFAULT 0 NOT NULL,
            candidates INTEGER DEFAULT 0 NOT NULL,
            created INTEGER DEFAULT 0 NOT NULL,
            today DATE,
            error TEXT,
            requested_at TIMESTAMP WITH TIME ZONE NOT NULL,
            started_at TIMESTAMP WITH TIME ZONE,
            progress_at TIMESTAMP WITH TIME ZONE,
            finished_at TIMESTAMP WITH TIME ZONE,
            CONSTRAINT pk_refresh_job PRIMARY KEY (job_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_refresh_job_queued ON refresh_job (requested_at) WHERE status = 'queued'")
    op.execute("CREATE INDEX ix_refresh_job_studio ON refresh_job (studio_id, requested_at)")


def downgrade() -> None:
    op.execute("DROP TABLE refresh_job")
    op.execute("DROP TABLE attendance_member")
    op.execute("DROP TABLE attendance_day")
