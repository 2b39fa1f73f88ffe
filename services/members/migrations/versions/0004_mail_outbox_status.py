"""The mail outbox takes the kit's shape (gymloop_kit.mail): a status (pending, sending, sent, failed),
extra headers and a reference, text columns, and an index of the mails still to send.

Mails already sent become `sent`; mails the old sender had parked after its 8 tries become `failed`; the rest
stay `pending` and are sent by the new sender. Every step is idempotent (IF [NOT] EXISTS): on a mail_outbox that
has the new shape already, it changes nothing.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE mail_outbox
            ALTER COLUMN to_address TYPE text,
            ALTER COLUMN subject TYPE text,
            ALTER COLUMN attempts SET DEFAULT 0,
            ADD COLUMN IF NOT EXISTS headers jsonb NOT NULL DEFAULT '{}'::jsonb,
            ADD COLUMN IF NOT EXISTS reference text,
            ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'pending'
        """
    )
    op.execute("UPDATE mail_outbox SET status = 'sent' WHERE sent_at IS NOT NULL AND status <> 'sent'")
    op.execute(
        "UPDATE mail_outbox SET status = 'failed' WHERE sent_at IS NULL AND attempts >= 8 AND status = 'pending'"
    )
    op.execute(
        """
        ALTER TABLE mail_outbox
            DROP CONSTRAINT IF EXISTS ck_mail_outbox_status,
            ADD CONSTRAINT ck_mail_outbox_status CHECK (status IN ('pending', 'sending', 'sent', 'failed'))
        """
    )
    op.execute("DROP INDEX IF EXISTS ix_mail_outbox_pending")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_mail_outbox_due ON mail_outbox (available_at, id) "
        "WHERE status IN ('pending', 'sending')"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_mail_outbox_due")
    op.execute("UPDATE mail_outbox SET available_at = now() + interval '3650 days' WHERE status = 'failed'")
    op.execute(
        """
        ALTER TABLE mail_outbox
            DROP CONSTRAINT IF EXISTS ck_mail_outbox_status,
            DROP COLUMN IF EXISTS status,
            DROP COLUMN IF EXISTS reference,
            DROP COLUMN IF EXISTS headers,
            ALTER COLUMN subject TYPE varchar(300),
            ALTER COLUMN to_address TYPE varchar(320)
        """
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_mail_outbox_pending ON mail_outbox (available_at) WHERE sent_at IS NULL")
