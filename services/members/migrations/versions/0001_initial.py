"""Initial schema of members: studios, accounts, memberships, tokens, mail outbox, tags, checklists, notes,
attachments. models.py is the single source of truth for this first revision; later ones are explicit ops."""

from alembic import op
from gymloop_kit.migrations import create_delivery_tables
from gymloop_members.db.models import Base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_delivery_tables(op.get_bind())  # outbox, outbox_sequence, inbox, applied_sequence
    Base.metadata.create_all(op.get_bind())


def downgrade() -> None:
    Base.metadata.drop_all(op.get_bind())
