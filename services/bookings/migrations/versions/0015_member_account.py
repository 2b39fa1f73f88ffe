"""The member's login account (from members' events), so the user log can name the staff member who made a change:
staff act under their account id."""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE member ADD COLUMN account_id UUID")
    op.execute("CREATE INDEX ix_member_studio_id_account_id ON member (studio_id, account_id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_member_studio_id_account_id")
    op.execute("ALTER TABLE member DROP COLUMN account_id")
