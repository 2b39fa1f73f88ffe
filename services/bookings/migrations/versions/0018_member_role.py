"""The role of each person (member, employee, admin) from members' events, so a session's or slot's coach can be
checked to be staff of the studio; people projected before are left unknown (NULL) until their next update."""

from alembic import op

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE member ADD COLUMN role TEXT")


def downgrade() -> None:
    op.execute("ALTER TABLE member DROP COLUMN role")
