"""The end date of a session pack the member was last reminded of (three days before, with credits left), so the
reminder goes once per end date; a pause that moves the end date makes it due again."""

from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE entitlement ADD COLUMN expiry_reminded_for DATE")


def downgrade() -> None:
    op.execute("ALTER TABLE entitlement DROP COLUMN expiry_reminded_for")
