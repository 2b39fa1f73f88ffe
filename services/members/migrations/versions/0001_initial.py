"""Initial schema of members: studios, accounts, memberships, tokens, mail outbox, tags, checklists, notes,
attachments. models.py is the single source of truth for this first revision, minus the tables that later
migrations add (a database made by 0001 looks the same whether it was made before or after them); later
revisions are explicit ops."""

from alembic import op
from gymloop_kit.migrations import create_delivery_tables
from gymloop_members.db.models import Base
from sqlalchemy import Table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ADDED_LATER = {"import_row_rejection"}  # 0002


def _tables() -> list[Table]:
    return [table for table in Base.metadata.sorted_tables if table.name not in ADDED_LATER]


def upgrade() -> None:
    create_delivery_tables(op.get_bind())  # outbox, outbox_sequence, inbox, applied_sequence
    Base.metadata.create_all(op.get_bind(), tables=_tables())


def downgrade() -> None:
    Base.metadata.drop_all(op.get_bind(), tables=_tables())
