"""A member's payment state is kept per studio: the primary key of `member_payment_state` becomes
(studio_id, member_id). With `member_id` alone, another studio's row for the same member id (made by a read
that inserted) blocked the member's own studio for good. Every row is kept; the key's first column makes the
index on `studio_id` redundant."""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE member_payment_state DROP CONSTRAINT pk_member_payment_state")
    op.execute("ALTER TABLE member_payment_state ADD CONSTRAINT pk_member_payment_state PRIMARY KEY (studio_id, member_id)")
    op.execute("DROP INDEX ix_member_payment_state_studio_id")


def downgrade() -> None:
    # back to one row per member: of a member's rows in several studios, the one of the studio the members read
    # model names is kept (any one if the member is unknown)
    op.execute(
        "DELETE FROM member_payment_state s USING member_payment_state o "
        "WHERE s.member_id = o.member_id AND s.studio_id <> o.studio_id AND NOT EXISTS ("
        "SELECT 1 FROM member m WHERE m.member_id = s.member_id AND m.studio_id = s.studio_id) "
        "AND (EXISTS (SELECT 1 FROM member m WHERE m.member_id = o.member_id AND m.studio_id = o.studio_id) "
        "OR s.studio_id < o.studio_id)"
    )
    op.execute("CREATE INDEX ix_member_payment_state_studio_id ON member_payment_state (studio_id)")
    op.execute("ALTER TABLE member_payment_state DROP CONSTRAINT pk_member_payment_state")
    op.execute("ALTER TABLE member_payment_state ADD CONSTRAINT pk_member_payment_state PRIMARY KEY (member_id)")
