"""A shop product's description, shown with it at the desk and in the app (existing products have none)."""

from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE product ADD COLUMN description TEXT DEFAULT '' NOT NULL")


def downgrade() -> None:
    op.execute("ALTER TABLE product DROP COLUMN description")
