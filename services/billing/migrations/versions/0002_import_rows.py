"""Import rows: billing's side of the import saga (issue 8)."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_row",
        sa.Column("studio_id", sa.Uuid(), nullable=False),
        sa.Column("import_job_id", sa.Uuid(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("requested", sa.Boolean(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("plan_name", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("iban", sa.Text(), nullable=True),
        sa.Column("account_holder", sa.Text(), nullable=True),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("reason_code", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("studio_id", "import_job_id", "row_number", name=op.f("pk_import_row")),
    )
    op.create_index("ix_import_row_subscription", "import_row", ["studio_id", "subscription_id"])


def downgrade() -> None:
    op.drop_index("ix_import_row_subscription", table_name="import_row")
    op.drop_table("import_row")
