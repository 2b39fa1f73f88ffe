"""The mandates members replaced with a new e-mandate (a changed IBAN in the app): each kept with its signature and
when it ended, as the authority for what it collected. IF NOT EXISTS: 0001 builds from models.py."""

from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE IF NOT EXISTS ended_mandate (
        id BIGINT GENERATED ALWAYS AS IDENTITY,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        mandate_reference TEXT NOT NULL,
        iban TEXT NOT NULL,
        account_holder TEXT NOT NULL,
        signed_on DATE,
        consented_at TIMESTAMP WITH TIME ZONE,
        consent_ip TEXT,
        consent_user_agent TEXT,
        mandate_text_version TEXT,
        ended_at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_ended_mandate PRIMARY KEY (id)
    )"""
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_ended_mandate_member ON ended_mandate (studio_id, member_id)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS ended_mandate")
