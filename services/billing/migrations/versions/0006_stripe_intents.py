"""Stripe calls recorded before they are made (`stripe_intent`), so none is made inside a transaction.

A use case commits the intent with its own rows, calls Stripe with the intent's idempotency key after the
commit, and marks the intent done in a new transaction. An intent left pending (a crash or a Stripe outage in
between) is made again by the scheduler with the same key: Stripe answers with the object made before.

IF NOT EXISTS: a 0001 built from models.py makes this table already."""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE IF NOT EXISTS stripe_intent ("
        "idempotency_key TEXT NOT NULL, "
        "kind TEXT NOT NULL, "
        "studio_id UUID NOT NULL, "
        "subject_id UUID NOT NULL, "
        "created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, "
        "done_at TIMESTAMP WITH TIME ZONE, "
        "CONSTRAINT pk_stripe_intent PRIMARY KEY (idempotency_key))"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_stripe_intent_pending ON stripe_intent (created_at) WHERE done_at IS NULL"
    )


def downgrade() -> None:
    op.execute("DROP TABLE stripe_intent")
