"""The studio's time zone, followed from members' StudioUpdated, so "today" is the studio's local day.

No row for a studio means its zone is not announced yet: the importer then uses the UTC day."""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE studio_zone (
        studio_id UUID NOT NULL,
        time_zone TEXT NOT NULL,
        CONSTRAINT pk_studio_zone PRIMARY KEY (studio_id)
    )"""
    )


def downgrade() -> None:
    op.execute("DROP TABLE studio_zone")
