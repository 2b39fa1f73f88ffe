"""The kit's mail outbox (gymloop_kit.mail): message e-mails are sent from it, outside any transaction, and
each result is written back to the e-mail delivery's status.

E-mail deliveries still pending move into it (one mail each, with the attempts made so far), so nothing
queued before this migration is lost. Idempotent (IF NOT EXISTS, no mail queued twice for one delivery).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("studio_id", sa.Uuid(), nullable=True),
        sa.Column("to_address", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="ck_mail_outbox_status"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_outbox"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_mail_outbox_due",
        "mail_outbox",
        ["available_at", "id"],
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
        if_not_exists=True,
    )
    op.execute(
        """
        INSERT INTO mail_outbox (studio_id, to_address, subject, body, headers, reference, attempts, available_at)
        SELECT d.studio_id, coalesce(d.email, ''), m.subject, m.body,
               jsonb_build_object('X-Gymloop-Message', m.message_id::text),
               d.message_id::text || '/' || d.member_id::text, d.attempts, d.available_at
          FROM message_delivery d JOIN message m ON m.message_id = d.message_id
         WHERE d.channel = 'email' AND d.status = 'pending'
           AND NOT EXISTS (
               SELECT 1 FROM mail_outbox o WHERE o.reference = d.message_id::text || '/' || d.member_id::text
           )
         ORDER BY d.available_at
        """
    )


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox", if_exists=True)
    op.drop_table("mail_outbox", if_exists=True)
