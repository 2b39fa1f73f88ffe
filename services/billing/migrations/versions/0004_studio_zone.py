"""The studio's time zone, followed from members' StudioUpdated, so the scheduler works in local days.

0001 never had this table, so every database gets it here."""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE studio_zone (studio_id UUID PRIMARY KEY, time_zone TEXT NOT NULL)")


def downgrade() -> None:
    op.execute("DROP TABLE studio_zone")
