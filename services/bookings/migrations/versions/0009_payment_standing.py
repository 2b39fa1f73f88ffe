"""Overdue blocks booking: the payment standing read model (who is overdue, whether the studio lets overdue
members book, both from billing's events) and a note on user-log entries (staff's reason for an exception)."""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE member_payment_standing ("
        " studio_id UUID NOT NULL, member_id UUID NOT NULL, overdue BOOLEAN NOT NULL,"
        " PRIMARY KEY (studio_id, member_id))"
    )
    op.execute(
        "CREATE TABLE studio_overdue_rule (studio_id UUID PRIMARY KEY, overdue_members_may_book BOOLEAN NOT NULL)"
    )
    op.execute("ALTER TABLE user_log ADD COLUMN note TEXT")


def downgrade() -> None:
    op.execute("ALTER TABLE user_log DROP COLUMN note")
    op.execute("DROP TABLE studio_overdue_rule")
    op.execute("DROP TABLE member_payment_standing")
