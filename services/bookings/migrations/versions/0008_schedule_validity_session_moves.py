"""Weekly schedules get a validity period (valid_from, valid_until: no sessions are generated outside it) and
sessions remember when they were last moved (moved_at: a member booked before the move may sign out without the
late-cancel rule)."""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE weekly_schedule ADD COLUMN valid_from DATE, ADD COLUMN valid_until DATE")
    op.execute("ALTER TABLE session ADD COLUMN moved_at TIMESTAMP WITH TIME ZONE")


def downgrade() -> None:
    op.execute("ALTER TABLE session DROP COLUMN moved_at")
    op.execute("ALTER TABLE weekly_schedule DROP COLUMN valid_from, DROP COLUMN valid_until")
