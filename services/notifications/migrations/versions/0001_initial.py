"""Initial schema of notifications (models.py is the single source of truth for 0001)."""

from alembic import op
from gymloop_kit.migrations import create_delivery_tables
from gymloop_notifications.db.models import Base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_delivery_tables(op.get_bind())
    Base.metadata.create_all(op.get_bind())


def downgrade() -> None:
    Base.metadata.drop_all(op.get_bind())
