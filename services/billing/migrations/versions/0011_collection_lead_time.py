"""A studio's collection lead time: the TARGET business days its bank needs a SEPA file before the collection date
(SEPA Core: at least one; existing studios get that)."""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE studio_billing ADD COLUMN collection_lead_business_days INTEGER DEFAULT 1 NOT NULL"
        " CONSTRAINT ck_studio_billing_collection_lead CHECK (collection_lead_business_days >= 1)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE studio_billing DROP COLUMN collection_lead_business_days")
