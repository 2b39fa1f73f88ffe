"""The pain.008 version of a studio's SEPA files: pain.008.001.08 unless its bank still wants pain.008.001.02."""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE studio_billing ADD COLUMN sepa_file_version TEXT DEFAULT 'pain.008.001.08' NOT NULL"
        " CONSTRAINT ck_studio_billing_sepa_file_version"
        " CHECK (sepa_file_version IN ('pain.008.001.08', 'pain.008.001.02'))"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE studio_billing DROP COLUMN sepa_file_version")
