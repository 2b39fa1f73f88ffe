"""Initial schema of bookings (models.py is the single source of truth for 0001, minus what later migrations
add: a database made by 0001 must look the same whether it was made before or after them)."""

from alembic import op
from gymloop_kit.migrations import create_delivery_tables

from gymloop_bookings.db.models import Base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ADDED_LATER = {"studio_zone"}  # 0002 (its name column: 0003; studio_settings.studio_name was dropped by 0003)


def upgrade() -> None:
    create_delivery_tables(op.get_bind())  # outbox, outbox_sequence, inbox, applied_sequence
    tables = [table for table in Base.metadata.sorted_tables if table.name not in ADDED_LATER]
    Base.metadata.create_all(op.get_bind(), tables=tables)


def downgrade() -> None:
    tables = [table for table in Base.metadata.sorted_tables if table.name not in ADDED_LATER]
    Base.metadata.drop_all(op.get_bind(), tables=tables)
