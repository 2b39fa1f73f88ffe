"""Sign-up links followed with a token that is not valid, counted per client address: too many in the window answer
429, so nobody can try tokens at speed."""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE verification_failure (
        id BIGINT GENERATED ALWAYS AS IDENTITY,
        ip VARCHAR(64) NOT NULL,
        at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_verification_failure PRIMARY KEY (id)
    )"""
    )
    op.execute("CREATE INDEX ix_verification_failure_ip_at ON verification_failure (ip, at)")


def downgrade() -> None:
    op.execute("DROP TABLE verification_failure")
