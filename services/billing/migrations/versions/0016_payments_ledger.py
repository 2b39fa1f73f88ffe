"""The payments ledger: every status a payment goes through (with the bank's reason code), the end-to-end id and
mandate a SEPA payment was collected under (bank return files are matched on them), and the returned payment a
charge or purchase was reopened from (so its amount is collected again in the next run, and clearing the returned
payment takes it back).

Existing payments get one history row with their current status."""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE payment ADD COLUMN reason_code TEXT")
    op.execute("ALTER TABLE payment ADD COLUMN end_to_end_id TEXT")
    op.execute("ALTER TABLE payment ADD COLUMN mandate_reference TEXT")
    op.execute("ALTER TABLE payment ADD COLUMN reopened BOOLEAN DEFAULT false NOT NULL")
    op.execute(
        "CREATE INDEX ix_payment_run_end_to_end ON payment (studio_id, payment_run_id, end_to_end_id) "
        "WHERE end_to_end_id IS NOT NULL"
    )
    op.execute("CREATE INDEX ix_payment_studio_status ON payment (studio_id, status)")
    op.execute("ALTER TABLE charge ADD COLUMN returned_payment_id UUID")
    op.execute("ALTER TABLE purchase ADD COLUMN returned_payment_id UUID")
    op.execute("CREATE INDEX ix_charge_returned_payment ON charge (returned_payment_id) WHERE returned_payment_id IS NOT NULL")
    op.execute(
        "CREATE INDEX ix_purchase_returned_payment ON purchase (returned_payment_id) "
        "WHERE returned_payment_id IS NOT NULL"
    )
    op.execute(
        "CREATE TABLE payment_status_change ("
        " id BIGINT GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_payment_status_change PRIMARY KEY,"
        " studio_id UUID NOT NULL,"
        " payment_id UUID NOT NULL,"
        " status TEXT NOT NULL,"
        " reason_code TEXT,"
        " reason TEXT,"
        " at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL)"
    )
    op.execute("CREATE INDEX ix_payment_status_change_payment ON payment_status_change (payment_id, id)")
    op.execute(
        "INSERT INTO payment_status_change (studio_id, payment_id, status) SELECT studio_id, id, status FROM payment"
    )


def downgrade() -> None:
    op.execute("DROP TABLE payment_status_change")
    op.execute("ALTER TABLE purchase DROP COLUMN returned_payment_id")
    op.execute("ALTER TABLE charge DROP COLUMN returned_payment_id")
    op.execute("DROP INDEX ix_payment_studio_status")
    op.execute("DROP INDEX ix_payment_run_end_to_end")
    op.execute("ALTER TABLE payment DROP COLUMN reopened")
    op.execute("ALTER TABLE payment DROP COLUMN mandate_reference")
    op.execute("ALTER TABLE payment DROP COLUMN end_to_end_id")
    op.execute("ALTER TABLE payment DROP COLUMN reason_code")
