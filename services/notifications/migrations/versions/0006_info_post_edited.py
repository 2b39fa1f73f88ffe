"""Info posts can be edited: when staff last changed one, so the app can say so (existing posts: never)."""

from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE info_post ADD COLUMN edited_at TIMESTAMP WITH TIME ZONE")


def downgrade() -> None:
    op.execute("ALTER TABLE info_post DROP COLUMN edited_at")
