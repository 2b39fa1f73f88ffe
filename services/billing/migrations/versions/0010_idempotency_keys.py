"""Idempotency keys (the kit's idempotency table): the first answer of each POST that moves money or credits,
kept per studio, caller and key so a retry gets it back; purged once older than idempotency_key_ttl_hours."""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE idempotency_key (studio_id UUID NOT NULL, caller_id UUID NOT NULL, key TEXT NOT NULL,"
        " fingerprint TEXT NOT NULL, status_code INTEGER, body TEXT,"
        " created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,"
        " CONSTRAINT pk_idempotency_key PRIMARY KEY (studio_id, caller_id, key))"
    )
    op.execute("CREATE INDEX ix_idempotency_key_created_at ON idempotency_key (created_at)")


def downgrade() -> None:
    op.execute("DROP TABLE idempotency_key")
