"""Password mails sent (reset and first-login links), per e-mail and client address: the members service limits
how many go out per account and per address in a window, the way login failures are throttled."""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE password_mail (
        id BIGINT GENERATED ALWAYS AS IDENTITY,
        email VARCHAR(320) NOT NULL,
        ip VARCHAR(64) NOT NULL,
        at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_password_mail PRIMARY KEY (id)
    )"""
    )
    op.execute("CREATE INDEX ix_password_mail_email_at ON password_mail (email, at)")
    op.execute("CREATE INDEX ix_password_mail_ip_at ON password_mail (ip, at)")


def downgrade() -> None:
    op.execute("DROP TABLE password_mail")
