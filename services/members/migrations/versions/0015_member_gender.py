"""A member's gender as they state it (optional), carried in the member events so benchmark leaderboards can rank
per gender."""

from alembic import op

revision = "0015"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE membership ADD COLUMN gender VARCHAR(16)")


def downgrade() -> None:
    op.execute("ALTER TABLE membership DROP COLUMN gender")
