"""A studio's public page (slug and address) and self-registration waiting for its e-mailed link."""

from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE studio ADD COLUMN slug VARCHAR(63)")
    op.execute("ALTER TABLE studio ADD COLUMN address VARCHAR(500)")
    op.execute("ALTER TABLE studio ADD CONSTRAINT uq_studio_slug UNIQUE (slug)")
    op.execute(
        """CREATE TABLE registration (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        email VARCHAR(320) NOT NULL,
        first_name VARCHAR(100) NOT NULL,
        last_name VARCHAR(100) NOT NULL,
        password_hash TEXT,
        ip VARCHAR(64) NOT NULL,
        token_hash VARCHAR(64) NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
        verified_at TIMESTAMP WITH TIME ZONE,
        CONSTRAINT pk_registration PRIMARY KEY (id),
        CONSTRAINT fk_registration_studio_id_studio FOREIGN KEY (studio_id) REFERENCES studio (studio_id),
        CONSTRAINT uq_registration_token_hash UNIQUE (token_hash)
    )"""
    )
    op.execute("CREATE INDEX ix_registration_studio_id ON registration (studio_id)")
    op.execute("CREATE INDEX ix_registration_email_at ON registration (email, created_at)")
    op.execute("CREATE INDEX ix_registration_ip_at ON registration (ip, created_at)")


def downgrade() -> None:
    op.execute("DROP TABLE registration")
    op.execute("ALTER TABLE studio DROP COLUMN address")
    op.execute("ALTER TABLE studio DROP COLUMN slug")
