"""Locations keep the description given when they are added (it was accepted by the API but had no column)."""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE location ADD COLUMN description TEXT")


def downgrade() -> None:
    op.execute("ALTER TABLE location DROP COLUMN description")
