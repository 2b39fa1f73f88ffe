"""Member self-service: the e-mandate's signature (the member's consent, its time, IP address, browser and the
version of the mandate text they accepted) and a session pack paid by its own Stripe payment (the plan it buys;
the pack is granted when that payment succeeds); the cancel button's presses, counted to limit them. IF NOT EXISTS:
0001 builds from models.py."""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE mandate ADD COLUMN IF NOT EXISTS consented_at TIMESTAMPTZ,"
        " ADD COLUMN IF NOT EXISTS consent_ip TEXT,"
        " ADD COLUMN IF NOT EXISTS consent_user_agent TEXT,"
        " ADD COLUMN IF NOT EXISTS mandate_text_version TEXT"
    )
    op.execute("ALTER TABLE payment ADD COLUMN IF NOT EXISTS pack_plan_id UUID")
    op.execute(
        """CREATE TABLE IF NOT EXISTS cancel_request (
        id BIGINT GENERATED ALWAYS AS IDENTITY,
        member_id UUID NOT NULL,
        ip TEXT NOT NULL,
        at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_cancel_request PRIMARY KEY (id)
    )"""
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_cancel_request_member_at ON cancel_request (member_id, at)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_cancel_request_ip_at ON cancel_request (ip, at)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS cancel_request")
    op.execute("ALTER TABLE payment DROP COLUMN IF EXISTS pack_plan_id")
    op.execute(
        "ALTER TABLE mandate DROP COLUMN IF EXISTS consented_at, DROP COLUMN IF EXISTS consent_ip,"
        " DROP COLUMN IF EXISTS consent_user_agent, DROP COLUMN IF EXISTS mandate_text_version"
    )
