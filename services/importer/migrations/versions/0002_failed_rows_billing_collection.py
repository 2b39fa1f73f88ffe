"""Failed import rows (a service's refusal per row) and the collection method from billing only.

- import_row.status (pending | done | failed), member_rejection, subscription_rejection.
- studio_collection.source dropped: billing's BillingSettingsChanged is the only source now. Methods an
  admin had set in the importer are removed (billing is the truth; it re-announces its settings).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("import_row", sa.Column("status", sa.String(16), nullable=False, server_default="pending"))
    op.add_column("import_row", sa.Column("member_rejection", JSONB(), nullable=True))
    op.add_column("import_row", sa.Column("subscription_rejection", JSONB(), nullable=True))
    op.execute(
        "UPDATE import_row SET status = 'done' "
        "WHERE member_outcome IS NOT NULL AND (plan_name IS NULL OR subscription_done)"
    )
    op.execute("DELETE FROM studio_collection WHERE source = 'setting'")
    op.drop_column("studio_collection", "source")


def downgrade() -> None:
    op.add_column(
        "studio_collection", sa.Column("source", sa.String(16), nullable=False, server_default="event")
    )
    op.drop_column("import_row", "subscription_rejection")
    op.drop_column("import_row", "member_rejection")
    op.drop_column("import_row", "status")
