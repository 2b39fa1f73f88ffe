"""A charge remembers the payment that collects it (`charge.payment_id`), so it is collected once whatever the
method: a SEPA payment run takes only charges no payment has taken, and a Stripe invoice's payment takes the
oldest open charge of its subscription. Before, a period Stripe had paid stayed open and was debited again by
the first SEPA run after the studio switched from Stripe to SEPA export.

Existing rows: a charge in a run gets the member's payment of that run; of a subscription's charges outside
any run, as many as the subscription has Stripe invoice payments are taken by them, oldest first."""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE charge ADD COLUMN payment_id UUID")
    op.execute(
        "UPDATE charge c SET payment_id = p.id FROM payment p "
        "WHERE c.payment_run_id IS NOT NULL AND p.payment_run_id = c.payment_run_id "
        "AND p.member_id = c.member_id AND p.studio_id = c.studio_id"
    )
    op.execute(
        "WITH open_charge AS ("
        "  SELECT id, subscription_id, row_number() OVER (PARTITION BY subscription_id ORDER BY due_on, id) AS n "
        "  FROM charge WHERE payment_run_id IS NULL AND payment_id IS NULL), "
        "invoice_payment AS ("
        "  SELECT id, subscription_id, row_number() OVER (PARTITION BY subscription_id ORDER BY id) AS n "
        "  FROM payment WHERE subscription_id IS NOT NULL AND stripe_invoice_id IS NOT NULL) "
        "UPDATE charge c SET payment_id = i.id FROM open_charge o JOIN invoice_payment i "
        "ON i.subscription_id = o.subscription_id AND i.n = o.n WHERE c.id = o.id"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE charge DROP COLUMN payment_id")
