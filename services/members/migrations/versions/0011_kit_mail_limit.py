"""The password-mail counts move to the kit's `mail_limit` table (kind "password"), which limits every kind of mail
a public request can trigger by recipient and client address; the counts so far are kept."""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE mail_limit (
        id BIGINT GENERATED ALWAYS AS IDENTITY,
        kind TEXT NOT NULL,
        recipient TEXT NOT NULL,
        address TEXT NOT NULL,
        at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_mail_limit PRIMARY KEY (id)
    )"""
    )
    op.execute("CREATE INDEX ix_mail_limit_recipient ON mail_limit (kind, recipient, at)")
    op.execute("CREATE INDEX ix_mail_limit_address ON mail_limit (kind, address, at)")
    op.execute(
        "INSERT INTO mail_limit (kind, recipient, address, at) SELECT 'password', email, ip, at FROM password_mail"
    )
    op.execute("DROP TABLE password_mail")


def downgrade() -> None:
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
    op.execute(
        "INSERT INTO password_mail (email, ip, at) SELECT recipient, left(address, 64), at FROM mail_limit "
        "WHERE kind = 'password'"
    )
    op.execute("DROP TABLE mail_limit")
