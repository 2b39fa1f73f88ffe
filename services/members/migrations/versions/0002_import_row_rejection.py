"""Import rows members refused (one MemberImportRejected per row, however often the row is delivered).

0001 never had this table, so every database gets it here."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_row_rejection",
        sa.Column("studio_id", sa.Uuid(), nullable=False),
        sa.Column("row_id", sa.Text(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("rejected_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("studio_id", "row_id", name="pk_import_row_rejection"),
    )


def downgrade() -> None:
    op.drop_table("import_row_rejection")
