"""A member's secret iCalendar feed address (its token's hash), rotatable and revocable."""

from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE calendar_feed (
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        token_hash TEXT NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_calendar_feed PRIMARY KEY (studio_id, member_id),
        CONSTRAINT uq_calendar_feed_token_hash UNIQUE (token_hash)
    )"""
    )


def downgrade() -> None:
    op.execute("DROP TABLE calendar_feed")
