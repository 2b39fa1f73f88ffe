"""Stripe payment methods (card, SEPA debit) per customer and shop purchases paid at once through Stripe.

0001 was built from models.py until it was written out as DDL (with these columns), so a database made by 0001
after this change already has these columns and indexes: every statement here is IF NOT EXISTS, and both paths
end with the same schema."""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE stripe_customer ADD COLUMN IF NOT EXISTS payment_method_id TEXT")
    op.execute("ALTER TABLE stripe_customer ADD COLUMN IF NOT EXISTS payment_method_type TEXT")
    op.execute("ALTER TABLE payment ADD COLUMN IF NOT EXISTS purchase_id UUID")
    op.execute("ALTER TABLE payment ADD COLUMN IF NOT EXISTS stripe_payment_intent_id TEXT")
    op.execute("CREATE UNIQUE INDEX IF NOT EXISTS ux_payment_purchase ON payment (purchase_id)")
    op.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_payment_stripe_payment_intent ON payment (stripe_payment_intent_id)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ux_payment_stripe_payment_intent")
    op.execute("DROP INDEX IF EXISTS ux_payment_purchase")
    op.execute("ALTER TABLE payment DROP COLUMN IF EXISTS stripe_payment_intent_id")
    op.execute("ALTER TABLE payment DROP COLUMN IF EXISTS purchase_id")
    op.execute("ALTER TABLE stripe_customer DROP COLUMN IF EXISTS payment_method_type")
    op.execute("ALTER TABLE stripe_customer DROP COLUMN IF EXISTS payment_method_id")
